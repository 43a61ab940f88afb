import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { Throttle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { Roles, SiteScope } from '../../auth/auth.decorators.js';
import { DICOMWEB_SITE, dicomwebBaseUrl } from './dicomweb-request.js';
import { sendJsonArray, sendMultipartRelated } from './multipart-related.writer.js';
import { WadoService } from './wado.service.js';

const DICOM_JSON = 'application/dicom+json';

/**
 * Retrievals per minute per user and route: a viewer asks for every frame of a series on its own
 * (OHIF: one request a slice), far above what the general API limit is sized for.
 */
export const WADO_RETRIEVALS_PER_MINUTE = 10_000;

/** WADO-RS retrievals (PS3.18 10.4) for admins and radiologists of the default site, where received studies belong. */
@Controller('dicomweb/studies/:study')
@Roles('admin', 'radiologist')
@Throttle({ api: { limit: WADO_RETRIEVALS_PER_MINUTE, ttl: 60_000 } })
export class WadoController {
  constructor(private readonly wado: WadoService) {}

  @Get()
  @SiteScope(() => DICOMWEB_SITE)
  async study(@Param('study') study: string, @Headers('accept') accept: string | undefined, @Res() res: Response): Promise<void> {
    await sendMultipartRelated(res, await this.wado.instances({ study }, accept));
  }

  @Get('metadata')
  @SiteScope(() => DICOMWEB_SITE)
  async studyMetadata(@Param('study') study: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await sendJsonArray(res, DICOM_JSON, await this.wado.metadata({ study }, dicomwebBaseUrl(req)));
  }

  @Get('series/:series')
  @SiteScope(() => DICOMWEB_SITE)
  async series(@Param('study') study: string, @Param('series') series: string, @Headers('accept') accept: string | undefined, @Res() res: Response): Promise<void> {
    await sendMultipartRelated(res, await this.wado.instances({ study, series }, accept));
  }

  @Get('series/:series/metadata')
  @SiteScope(() => DICOMWEB_SITE)
  async seriesMetadata(@Param('study') study: string, @Param('series') series: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await sendJsonArray(res, DICOM_JSON, await this.wado.metadata({ study, series }, dicomwebBaseUrl(req)));
  }

  @Get('series/:series/instances/:sop')
  @SiteScope(() => DICOMWEB_SITE)
  async instance(
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
    @Headers('accept') accept: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    await sendMultipartRelated(res, await this.wado.instances({ study, series, sop }, accept));
  }

  @Get('series/:series/instances/:sop/metadata')
  @SiteScope(() => DICOMWEB_SITE)
  async instanceMetadata(@Param('study') study: string, @Param('series') series: string, @Param('sop') sop: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await sendJsonArray(res, DICOM_JSON, await this.wado.metadata({ study, series, sop }, dicomwebBaseUrl(req)));
  }

  @Get('series/:series/instances/:sop/frames/:frames')
  @SiteScope(() => DICOMWEB_SITE)
  async frames(
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
    @Param('frames') frames: string,
    @Headers('accept') accept: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    await sendMultipartRelated(res, await this.wado.frames({ study, series, sop }, frames, accept));
  }

  @Get('series/:series/instances/:sop/rendered')
  @SiteScope(() => DICOMWEB_SITE)
  async renderedInstance(
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
    @Headers('accept') accept: string | undefined,
    @Query('window') window: unknown,
    @Res() res: Response,
  ): Promise<void> {
    res.type('image/png').send(await this.wado.rendered({ study, series, sop }, '1', accept, window));
  }

  @Get('series/:series/instances/:sop/frames/:frame/rendered')
  @SiteScope(() => DICOMWEB_SITE)
  async renderedFrame(
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
    @Param('frame') frame: string,
    @Headers('accept') accept: string | undefined,
    @Query('window') window: unknown,
    @Res() res: Response,
  ): Promise<void> {
    res.type('image/png').send(await this.wado.rendered({ study, series, sop }, frame, accept, window));
  }
}
