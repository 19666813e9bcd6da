// session files: Export downloads the session as JSON (the server's file, under the name it
// suggests); Import reads such a file and hands its content on to open as a new session

/** Save `text` as a download called `filename`. */
export function saveFile(doc, text, filename, type = "application/json") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = doc.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  doc.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The Export and Import buttons; `maxBytes` is the server's limit for a session file,
 *  `exportFile()` resolves to {text, filename}, `onImport(text, body, name)` opens a file (its
 *  text as read, and parsed), `onProblem(text)` shows why a file cannot be read. */
export class SessionFiles {
  constructor(doc, { maxBytes, exportFile, onExported, onImport, onProblem }) {
    this.doc = doc;
    this.maxBytes = maxBytes;
    this.input = doc.getElementById("import-file");
    this.exportFile = exportFile;
    this.onExported = onExported;
    this.onImport = onImport;
    this.onProblem = onProblem;
    doc.querySelector("[data-action=export]").addEventListener("click", () => this.save());
    doc.querySelector("[data-action=import]").addEventListener("click", () => this.input.click());
    this.input.addEventListener("change", () => this.open());
  }

  async save() {
    const file = await this.exportFile();
    if (!file) return;
    saveFile(this.doc, file.text, file.filename);
    this.onExported(file.filename);
  }

  async open() {
    const file = this.input.files[0];
    this.input.value = "";             // choosing the same file again is a new import
    if (!file) return;
    const refuse = (why) => this.onProblem(`“${file.name}” cannot be imported: ${why}`);
    if (file.size > this.maxBytes) {
      const mb = (bytes) => (bytes / 1048576).toFixed(1);
      refuse(`it is ${mb(file.size)} MB, and a session file is at most ${mb(this.maxBytes)} MB.`);
      return;
    }
    let text, body;
    try {
      text = await file.text();
      body = JSON.parse(text);
    } catch (err) {
      refuse("it is not a JSON file. Import takes a file saved with Export.");
      return;
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      refuse("it is not a ManualGrad session file. Import takes a file saved with Export.");
      return;
    }
    this.onImport(text, body, file.name);
  }
}
