import type { BrokerSettings } from '../../config/app-config.js';
import { RabbitMqExecutor } from './broker/rabbitmq.executor.js';
import { LocalProcessExecutor } from './local-process.executor.js';
import type { PluginExecutor } from './plugin-executor.js';

/** Jobs go to `polyrad worker` hosts through the broker when one is configured, else to local worker processes (the embedded default). */
export function executorFor(broker: BrokerSettings | undefined): PluginExecutor {
  return broker ? new RabbitMqExecutor(broker) : new LocalProcessExecutor();
}
