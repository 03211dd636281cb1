// The library's test support, shared by the application's tests.
export * from '../../libs/event-sourcing/test/test-metadata';
