// The library's own tests use the helper its testing entry point ships.
export { eventually } from '../src/testing/eventually';
