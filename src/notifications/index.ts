// The public surface of the notifications context: the only file other contexts may import.
import { Notifications1732300000006 } from './1732300000006-notifications.migration';

export { NotificationsModule } from './notifications.module';

/** The notifications context's table, for the composition root to migrate. */
export const notificationMigrations = [Notifications1732300000006];
