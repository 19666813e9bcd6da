// a CSV of one's own points: rows x1,x2,label (integer classes 0..k−1, up to 10) for a
// classification, or x,y for a regression; an optional header; every bad row named by its line

export const MAX_CLASSES = 10;

/** Points {X, Y, task, classes} from CSV text, or a thrown {line, message} (lines count from 1). */
export function parseCsv(text, { maxPoints, maxBytes }) {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > maxBytes) throw { line: null, message: `The file has ${bytes} bytes; at most ${maxBytes} are read.` };
  const lines = text.split(/\r\n|\n|\r/);
  const rows = [];
  let width = null;
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n].trim();
    if (raw === "") continue;
    const cells = raw.split(",").map((c) => c.trim());
    const numbers = cells.map((c) => (c === "" ? NaN : Number(c)));
    if (rows.length === 0 && width === null && numbers.some((v) => Number.isNaN(v))) {
      if (cells.every((c) => /^[A-Za-z_][\w ()^*.-]*$/.test(c))) {       // a header: names, not numbers
        width = cells.length;
        continue;
      }
    }
    const where = n + 1;
    if (width === null) width = cells.length;
    if (width !== 2 && width !== 3) {
      throw { line: where, message: `line ${where}: ${cells.length} values; a row is x1,x2,label (3 values) or x,y (2).` };
    }
    if (cells.length !== width) {
      throw { line: where, message: `line ${where}: ${cells.length} values where the rows before have ${width}.` };
    }
    const bad = numbers.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw { line: where, message: `line ${where}: “${cells[bad]}” is not a number.` };
    if (Math.max(...numbers.map(Math.abs)) > 1e6) {
      throw { line: where, message: `line ${where}: values are at most 10⁶ in size.` };
    }
    if (width === 3) {
      const label = numbers[2];
      if (!Number.isInteger(label) || label < 0 || label >= MAX_CLASSES) {
        throw { line: where, message: `line ${where}: the label “${cells[2]}” is not a class: a whole number from 0 to ${MAX_CLASSES - 1}.` };
      }
    }
    rows.push(numbers);
    if (rows.length > maxPoints) throw { line: where, message: `line ${where}: more than ${maxPoints} points; a dataset holds at most ${maxPoints}.` };
  }
  if (!rows.length) throw { line: null, message: "The file has no rows of numbers." };
  if (width === 2) {
    return { X: rows.map((r) => [r[0]]), Y: rows.map((r) => [r[1]]), task: "regression", classes: 0 };
  }
  const classes = Math.max(...rows.map((r) => r[2])) + 1;
  if (classes < 2) throw { line: null, message: "Every label is 0: a classification needs at least two classes (0 and 1)." };
  const Y = classes === 2 ? rows.map((r) => [r[2]]) : rows.map((r) => Array.from({ length: classes }, (_, k) => (k === r[2] ? 1 : 0)));
  return { X: rows.map((r) => [r[0], r[1]]), Y, task: classes === 2 ? "binary" : "multiclass", classes };
}
