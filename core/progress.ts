/**
 * Progress for long work: a redrawn bar with rate and ETA on a terminal, plain lines otherwise
 * (logs, CI), at most every `intervalMs` (plus the final state).
 */
export interface ProgressOptions {
  label: string;
  total: number;
  stream?: NodeJS.WriteStream;
  /** Minimum time between plain-text lines. @default 5000 */
  intervalMs?: number;
  unit?: string;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export class ProgressBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly start = performance.now();
  private lastDraw = -Infinity;
  private baseline = -1;
  private closed = false;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  /** `done` counts all finished units; `baseline` (first call) is what was already done before this run. */
  update(done: number): void {
    if (this.closed) return;
    if (this.baseline < 0) this.baseline = done;
    const now = performance.now();
    const final = done >= this.opts.total;
    const interval = this.tty ? 100 : (this.opts.intervalMs ?? 5000);
    if (!final && now - this.lastDraw < interval) return;
    this.lastDraw = now;
    const elapsed = (now - this.start) / 1000;
    const rate = (done - this.baseline) / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.opts.total - done) / rate : NaN;
    const pct = this.opts.total > 0 ? done / this.opts.total : 1;
    const unit = this.opts.unit ?? 'samples';
    const stats = `${done}/${this.opts.total} ${unit}  ${rate > 0 ? rate.toFixed(rate < 10 ? 2 : 0) : '-'}/s  elapsed ${formatDuration(elapsed)}  ETA ${final ? '0s' : formatDuration(eta)}`;
    if (this.tty) {
      const width = 30;
      const fill = Math.round(pct * width);
      this.stream.write(`\r${this.opts.label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(pct * 100).toFixed(0).padStart(3)}%  ${stats}\x1b[K`);
      if (final) this.stream.write('\n');
    } else {
      this.stream.write(`${this.opts.label}: ${(pct * 100).toFixed(0)}%  ${stats}\n`);
    }
    if (final) this.closed = true;
  }

  /** Ends the bar line on a terminal (e.g. when interrupted). */
  end(): void {
    if (!this.closed && this.tty) this.stream.write('\n');
    this.closed = true;
  }
}
