import { Module } from '@nestjs/common';
import { DeliveryController } from './delivery.controller.js';
import { DeliveryQueueService } from './delivery-queue.service.js';
import { DeliveryRepository } from './delivery.repository.js';
import { DeliverySettingsService } from './delivery-settings.service.js';
import { DeliveryWorker } from './delivery.worker.js';

/** Server-side routing: destinations and rules per site, the durable delivery queue and its worker. */
@Module({
  controllers: [DeliveryController],
  providers: [DeliveryRepository, DeliverySettingsService, DeliveryQueueService, DeliveryWorker],
  exports: [DeliveryQueueService],
})
export class DeliveryModule {}
