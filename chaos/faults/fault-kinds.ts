export const FAULT_KINDS = [
  'app-kill',
  'pg-restart',
  'pg-crash',
  'pg-terminate',
  'broker-kill',
  'client-timeout',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export const isFaultKind = (name: string): name is FaultKind =>
  (FAULT_KINDS as readonly string[]).includes(name);

/** What a fault acts on: two faults on the same thing are never mixed (one pg_ctl at a time). */
export const faultTarget = (kind: FaultKind): 'app' | 'database' | 'broker' | 'client' => {
  switch (kind) {
    case 'app-kill':
      return 'app';
    case 'pg-restart':
    case 'pg-crash':
    case 'pg-terminate':
      return 'database';
    case 'broker-kill':
      return 'broker';
    case 'client-timeout':
      return 'client';
    default: {
      const unknown: never = kind;
      return unknown;
    }
  }
};

/** Parses `--faults a,b` (`all` = every kind, `none` or empty = no faults). */
export function parseFaultKinds(list: string): FaultKind[] {
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '' && name !== 'none');
  if (names.includes('all')) return [...FAULT_KINDS];
  const unknown = names.filter((name) => !isFaultKind(name));
  if (unknown.length)
    throw new Error(
      `unknown fault(s) ${unknown.join(', ')}; known: ${FAULT_KINDS.join(', ')}, all`,
    );
  return [...new Set(names.filter(isFaultKind))];
}
