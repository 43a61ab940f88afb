import { PolyradError } from '@polyrad/sdk';

/** Why a delivery did not arrive; the code says whether retrying can help (unreachable) or not (rejected). */
export class DeliveryError extends PolyradError {
  constructor(
    code: 'DELIVERY_UNREACHABLE' | 'DELIVERY_REJECTED',
    message: string,
    /** the destination, as "<name>@host:port" */
    destination: string,
  ) {
    super(code, message, destination);
    this.name = 'DeliveryError';
  }
}

/** Stable codes of the delivery API; http/error-status.map.ts gives the HTTP status of the ones not named by convention. */
export const DELIVERY_DESTINATION_INVALID = 'DELIVERY_DESTINATION_INVALID';
export const DELIVERY_HOST_NOT_ALLOWED = 'DELIVERY_HOST_NOT_ALLOWED';
export const DELIVERY_DESTINATION_NOT_FOUND = 'DELIVERY_DESTINATION_NOT_FOUND';
export const DELIVERY_DESTINATION_EXISTS = 'DELIVERY_DESTINATION_EXISTS';
export const DELIVERY_DESTINATION_IN_USE = 'DELIVERY_DESTINATION_IN_USE';
export const DELIVERY_NOT_FOUND = 'DELIVERY_NOT_FOUND';
