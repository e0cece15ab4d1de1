/**
 * A progress line on stderr, shown only when a run takes more than a second
 * (stdout carries nothing but the result). On a terminal it rewrites one line.
 */
export class Progress {
  private readonly started = Date.now();
  private lastDraw = 0;
  private shown = false;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(text: string): void {
    const now = Date.now();
    if (now - this.started < 1000) return;
    if (this.shown && now - this.lastDraw < (this.stream.isTTY ? 100 : 1000)) return;
    this.lastDraw = now;
    this.shown = true;
    if (this.stream.isTTY) this.stream.write(`\r\x1b[K${text}`);
    else this.stream.write(`${text}\n`);
  }

  done(): void {
    if (this.shown && this.stream.isTTY) this.stream.write('\r\x1b[K');
  }
}
