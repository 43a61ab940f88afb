import { Inject, Injectable } from '@nestjs/common';
import { PolyradError } from '@polyrad/sdk';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { assertSite } from '../registry/site.rules.js';
import { DEFAULT_DELIVERY_CONFIG } from './delivery.config.js';
import { DELIVERY_DESTINATION_EXISTS, DELIVERY_DESTINATION_IN_USE, DELIVERY_DESTINATION_INVALID, DELIVERY_DESTINATION_NOT_FOUND } from './delivery.errors.js';
import { DeliveryRepository } from './delivery.repository.js';
import { checkRouting, type Destination, type RoutingRule } from './delivery-routing.js';
import { assertDestinationId, parseDestination, parseRules } from './destination.validator.js';

/** A destination as the API shows it: a bearer token is never read back, only whether one is set. */
export type DestinationView = Destination extends infer D ? (D extends { token?: string } ? Omit<D, 'token'> & { tokenSet?: true } : D) : never;

function view(destination: Destination): DestinationView {
  if (!('token' in destination) || destination.token === undefined) return destination;
  const { id, kind, url } = destination;
  return { id, kind, url, tokenSet: true };
}

type Json = Record<string, unknown>;

/** Each site's destinations and routing rules (admins of the site), validated before they are stored. */
@Injectable()
export class DeliverySettingsService {
  private readonly allowedHosts: string[];

  constructor(
    private readonly repository: DeliveryRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.allowedHosts = (config.delivery ?? DEFAULT_DELIVERY_CONFIG).allowedHosts;
  }

  async list(site: string): Promise<DestinationView[]> {
    assertSite(site);
    return (await this.repository.destinations(site)).map(view);
  }

  async get(site: string, id: string): Promise<DestinationView> {
    return view(await this.existing(site, id));
  }

  /** `{ id, kind, ...settings }`; 409 when the site already has that id. */
  async create(site: string, body: Json, actor: string): Promise<DestinationView> {
    assertSite(site);
    if (typeof body.id !== 'string') throw new PolyradError(DELIVERY_DESTINATION_INVALID, 'id must name the destination, e.g. "pacs"');
    const destination = parseDestination(body.id, body, this.allowedHosts);
    if (!(await this.repository.saveDestination(site, destination, false, actor))) {
      throw new PolyradError(DELIVERY_DESTINATION_EXISTS, `site ${site} already has a destination ${destination.id}; change it with PUT`, destination.id);
    }
    return view(destination);
  }

  /** Replaces every setting of an existing destination (a token left out is removed). */
  async replace(site: string, id: string, body: Json, actor: string): Promise<DestinationView> {
    assertSite(site);
    if (body.id !== undefined && body.id !== id) throw new PolyradError(DELIVERY_DESTINATION_INVALID, `the body names destination ${JSON.stringify(body.id)}, the path ${id}`);
    const destination = parseDestination(id, body, this.allowedHosts);
    const rules = await this.repository.rules(site);
    // a rule may not be left sending an output the new protocol cannot carry
    checkRouting([...(await this.repository.destinations(site)).filter((d) => d.id !== id), destination], rules);
    if (!(await this.repository.saveDestination(site, destination, true, actor))) throw notFound(site, id);
    return view(destination);
  }

  async remove(site: string, id: string, actor: string): Promise<void> {
    assertSite(site);
    assertDestinationId(id);
    const result = await this.repository.deleteDestination(site, id, actor);
    if (result === 'missing') throw notFound(site, id);
    if (result === 'in-use') throw new PolyradError(DELIVERY_DESTINATION_IN_USE, `a routing rule of site ${site} sends to ${id}; change the rules first`, id);
  }

  async rules(site: string): Promise<RoutingRule[]> {
    assertSite(site);
    return this.repository.rules(site);
  }

  /** `{ rules: [...] }`, applied in order; each must name a destination of the site and outputs its protocol carries. */
  async replaceRules(site: string, body: Json, actor: string): Promise<RoutingRule[]> {
    assertSite(site);
    const rules = parseRules(body.rules);
    await this.repository.replaceRules(site, rules, actor, (destinations) => checkRouting(destinations, rules));
    return rules;
  }

  private async existing(site: string, id: string): Promise<Destination> {
    assertSite(site);
    assertDestinationId(id);
    const destination = await this.repository.destination(site, id);
    if (!destination) throw notFound(site, id);
    return destination;
  }
}

function notFound(site: string, id: string): PolyradError {
  return new PolyradError(DELIVERY_DESTINATION_NOT_FOUND, `site ${site} has no destination ${id}`, id);
}
