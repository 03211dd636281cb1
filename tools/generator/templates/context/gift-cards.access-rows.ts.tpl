import { randomUUID } from 'node:crypto';
import { RouteRow } from '../../test/support/access-rows';

/** This context's rows of the access matrix (test/access-matrix.e2e-spec.ts). */
export const accessRows: Record<string, RouteRow> = {
  'POST /gift-cards': {
    allowed: ['teller'],
    ownership: { kind: 'none' },
    success: 201,
    call: () => ({ path: '/gift-cards', body: { title: 'Matrix' } }),
  },
  'GET /gift-cards': {
    allowed: ['teller', 'auditor'],
    ownership: { kind: 'none' },
    success: 200,
    call: () => ({ path: '/gift-cards' }),
  },
  'GET /gift-cards/:id': {
    allowed: ['teller', 'auditor'],
    ownership: { kind: 'none' },
    // An unknown id: the matrix checks who may ask, the e2e spec what a known one answers.
    success: 404,
    call: () => ({ path: `/gift-cards/${randomUUID()}` }),
  },
};
