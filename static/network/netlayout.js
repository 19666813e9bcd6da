// the drawing's measures, in its own units (the SVG is scaled to the room it has), and where
// everything goes for the room a network has
export const R = 19;             // a full unit's radius
export const PIC = 40;           // side of a unit's picture
export const COL = 175;          // distance between layer columns
export const TOP = 58;           // room for the column titles
export const MAX_DRAWN_WEIGHTS = 3000;
export const BIG_LAYER = 8;      // a layer this big fades its weights but the pointed-at unit's
const FULL_ROW = 74;             // a unit with its name above, its gradient below
const MEDIUM_ROW = 50;           // the gradient's text goes (the ring stays)
const SMALL_ROW = 38;            // the name goes too (it shows for a unit pointed at); below, dots
const MIN_TEXT = 12;             // the drawing's smallest text, in its units
export const MIN_SCALE = 11 / MIN_TEXT;    // smaller, a text would be under 11 px: the box scrolls

/** a row of `rowH` units: its tier, its units' radius and its pictures' side (0: none) */
function rowOf(rowH, pictures) {
  const tier = rowH >= 68 ? "full" : rowH >= MEDIUM_ROW ? "medium" : rowH >= SMALL_ROW ? "small" : "dots";
  const r = { full: R, medium: 16, small: 14, dots: Math.max(3.5, Math.min(12, rowH * 0.34)) }[tier];
  return { rowH, tier, r, pic: pictures && tier !== "dots" ? Math.min(PIC, Math.round(rowH - 8)) : 0 };
}

/** The layout of a network of `sizes` in a box of `room` {width, height} (px): the biggest layer
 *  fills the height, its units full while their rows fit, then without their gradient's text,
 *  then without their name, then dots (a big layer whole, not a scroll); a smaller layer spreads
 *  over the same height, so its units may stay full beside a layer of dots. Columns as close as
 *  the width needs, down to what keeps texts apart.
 *  {tier (the biggest layer's), rows[L] {rowH, tier, r, pic}, r, pic (the largest), col, left,
 *   lossX, lossW, width, height, x, y} */
export function geometry(sizes, pictures, room) {
  const last = sizes.length - 1;
  const maxUnits = Math.max(...sizes);
  const rowH = Math.max(9, Math.min(FULL_ROW, (room.height - TOP - 16) / maxUnits));
  const span = maxUnits * rowH;                 // the height every column shares
  const rows = sizes.map((n) => rowOf(Math.min(FULL_ROW, span / n), pictures));
  let pics = rows.map((w) => w.pic);
  const r = Math.max(...rows.map((w) => w.r));
  let pic = Math.max(...pics);
  let left = 40, gap = 40, lossW = 104;
  const outR = () => rows[last].r + (pics[last] ? pics[last] + 6 : 0);     // the output column's right side
  // the part right of the last column: its units (and pictures), a gap, the loss box
  const tail = () => outR() + gap + lossW + 4;
  const widthAt = (c) => left + last * c + tail();
  let col = last <= 2 ? COL : last === 3 ? 150 : 128;         // deep nets sit closer
  if (widthAt(col) * MIN_SCALE > room.width) {     // a narrow box: smaller pictures, closer columns
    left = 30;
    lossW = 90;
    const fit = () => {
      gap = Math.max(12, 64 - (outR() + lossW / 2));        // "Output" and "Loss" stay apart
      const least = pic ? 88 : 84;        // the texts of two columns stay apart ("Hidden 1")
      return Math.max(least, Math.min(col, Math.floor((room.width - left - tail()) / Math.max(1, last))));
    };
    pics = pics.map((p) => Math.min(p, 30));
    pic = Math.max(...pics);
    let narrow = fit();
    if (pic && narrow - 2 * r - pic - 6 < 40) {   // weights too short to see or click: no pictures
      pics = pics.map(() => 0);
      pic = 0;
      narrow = fit();
    }
    col = narrow;
  }
  rows.forEach((w, L) => { w.pic = pics[L]; });
  const terse = col < 120;        // the gradients' texts without their "∂L/∂z": two columns' would touch
  const width = widthAt(col);
  const height = TOP + span + 16;
  const x = (L) => left + L * col;
  const y = (L, i) => TOP + (span - sizes[L] * rows[L].rowH) / 2 + (i + 0.5) * rows[L].rowH;
  const lossX = x(last) + outR() + gap + lossW / 2;
  return { tier: rows[sizes.indexOf(maxUnits)].tier, rows, r, pic, rowH, col, left, lossX, lossW, width, height, x, y,
           terse, faded: maxUnits >= BIG_LAYER, lossY: TOP + span / 2 };
}

/** the drawing's scale in a box of `room`: as large as fits (at most 1.25), never below
 *  MIN_SCALE (the box scrolls then, on purpose) */
export function scaleFor(natural, room) {
  return Math.max(MIN_SCALE, Math.min(1.25, room.width / natural.width, room.height / natural.height));
}

/** whether a layout for `room` would differ from `was` enough to draw again (not every pixel
 *  of a resize: another tier, or rows or columns a sixth apart) */
export function relayout(was, now) {
  if (!was) return true;
  return was.tier !== now.tier || was.pic !== now.pic || Math.abs(was.rowH - now.rowH) > was.rowH / 6
    || Math.abs(was.col - now.col) > was.col / 6;
}
