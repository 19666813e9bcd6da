// the drawing's measures, in its own units (the SVG is scaled to the room it has)
export const R = 19;             // node radius
export const PIC = 40;           // side of a unit's picture
export const COL = 175;          // distance between layer columns
export const TOP = 58;           // room for the column titles
export const MAX_DRAWN_WEIGHTS = 3000;
