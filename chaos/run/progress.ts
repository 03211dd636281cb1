import { now } from '../support/clock';
import { Environment } from './environment';

/** A status line every 15 s, so a long run shows it is alive and how it is doing. */
export function reportProgress(env: Environment): () => void {
  const timer = setInterval(() => {
    const operations = env.history.operations;
    const tally = (outcome: string) => operations.filter((o) => o.outcome === outcome).length;
    const up =
      env.fleet
        .up()
        .map((instance) => instance.name)
        .join('') || 'none';
    console.log(
      `  [${(now() / 1000).toFixed(0)} s] ${operations.length} writes (${tally('acknowledged')} ack, ` +
        `${tally('refused')} refused, ${tally('indefinite')} indefinite or in flight), ` +
        `${env.tap.deliveries.length} deliveries, apps up: ${up}`,
    );
  }, 15_000);
  return () => clearInterval(timer);
}
