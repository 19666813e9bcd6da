// the status line and the error banner: the one place the page speaks to the learner

/** the status line, and the error banner with its way on when the session is gone */
export class Messages {
  constructor(doc, { onRecover, onExpired }) {
    const $ = (id) => doc.getElementById(id);
    this.el = {
      status: $("status"), error: $("error"), errorText: $("error-text"), recover: $("error-recover"),
      errorClose: $("error-close"),
    };
    this.errorShown = false;
    this.errorCount = 0;        // the loops stop when it moves under them
    this.said = 0;              // how many times the status line changed: a loop's closing line waits its turn
    this.onExpired = onExpired;
    this.el.errorClose.addEventListener("click", () => this.clearError());
    this.el.recover.addEventListener("click", () => {
      this.clearError();
      onRecover();
    });
  }

  say(text) {
    this.said += 1;
    this.el.status.textContent = text;
  }

  /** an error from the server (or the network) in the banner, with a way on when the session is gone */
  showError(err) {
    const message = err && err.message ? err.message : String(err);
    this.el.errorText.textContent = message;
    this.el.recover.hidden = !(err && err.expired);
    this.el.error.hidden = false;
    this.el.error.dataset.status = err && err.status !== undefined ? String(err.status) : "";
    this.errorShown = true;
    this.errorCount += 1;
    if (err && err.expired) this.onExpired();
  }

  showProblem(text) {
    this.showError({ message: text });
  }

  clearError() {
    this.el.error.hidden = true;
    this.errorShown = false;
  }
}
