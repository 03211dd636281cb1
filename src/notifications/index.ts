// The public surface of the notifications context: the only file other contexts may import.
export { NotificationsModule } from './notifications.module';
