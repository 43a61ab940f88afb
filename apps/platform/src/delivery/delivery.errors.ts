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
