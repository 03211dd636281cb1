/**
 * Calls `notify` on `observer`, ignoring what it throws: metrics must never change the outcome
 * of the work they observe.
 */
export function notifyObserver<Observer>(
  observer: Observer | undefined,
  notify: (observer: Observer) => void,
): void {
  if (observer === undefined) return;
  try {
    notify(observer);
  } catch {
    // Deliberately ignored (see above).
  }
}
