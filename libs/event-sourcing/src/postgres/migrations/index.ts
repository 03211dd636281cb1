import { EventStoreSchema1732300000000 } from './1732300000000-event-store-schema';
import { ProjectionCheckpoints1732300000002 } from './1732300000002-projection-checkpoints';
import { EventNotifyTrigger1732300000003 } from './1732300000003-event-notify-trigger';
import { OutboxAndInbox1732300000005 } from './1732300000005-outbox-and-inbox';
import { ProcessManagers1732300000008 } from './1732300000008-process-managers';
import { Snapshots1732300000010 } from './1732300000010-snapshots';
import { ProjectionRebuilds1732300000011 } from './1732300000011-projection-rebuilds';
import { NotifyAfterCommit1732300000012 } from './1732300000012-notify-after-commit';
import { InboxRetention1732300000014 } from './1732300000014-inbox-retention';
import { ProcessCorrelation1732300000015 } from './1732300000015-process-correlation';
import { ProcessCommandParking1732300000016 } from './1732300000016-process-command-parking';
import { TraceContext1732300000017 } from './1732300000017-trace-context';
import { EventHashChain1732300000041 } from './1732300000041-event-hash-chain';
import { OutboxBlockingIndex1732300000048 } from './1732300000048-outbox-blocking-index';

/** The library's migrations, in order: add them to the application's DataSource `migrations`. */
export const eventStoreMigrations = [
  EventStoreSchema1732300000000,
  ProjectionCheckpoints1732300000002,
  EventNotifyTrigger1732300000003,
  OutboxAndInbox1732300000005,
  ProcessManagers1732300000008,
  Snapshots1732300000010,
  ProjectionRebuilds1732300000011,
  NotifyAfterCommit1732300000012,
  InboxRetention1732300000014,
  ProcessCorrelation1732300000015,
  ProcessCommandParking1732300000016,
  TraceContext1732300000017,
  EventHashChain1732300000041,
  OutboxBlockingIndex1732300000048,
];
