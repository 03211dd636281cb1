/**
 * A resettable "something changed" signal: `wait(ms)` resolves on the next `wake()` or after
 * `ms`, whichever comes first. A wake with nobody waiting is remembered, so a commit that
 * lands between a runner's last read and its wait is never slept through.
 */
export class WakeSignal {
  private pending = false;
  private waiter?: () => void;

  wake(): void {
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      resolve();
    } else {
      this.pending = true;
    }
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve();
      }, ms);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
