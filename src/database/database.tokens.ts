// The library's token: providers written against @ledgerline/event-sourcing/nest's
// `@InjectEventStore()` receive the application's store.
export { EVENT_STORE } from '@ledgerline/event-sourcing/nest';
