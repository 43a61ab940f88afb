import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles, SiteScope } from '../../auth/auth.decorators.js';
import { DICOMWEB_SITE, dicomwebBaseUrl, warningHeader } from './dicomweb-request.js';
import type { DicomwebScope } from './dicomweb-index.repository.js';
import type { QidoLevel } from './qido-attributes.js';
import { QidoService } from './qido.service.js';

/** QIDO-RS searches (PS3.18 10.6) for admins and radiologists of the default site, where received studies belong. */
@Controller('dicomweb')
export class QidoController {
  constructor(private readonly qido: QidoService) {}

  @Get('studies')
  @Roles('admin', 'radiologist')
  @SiteScope(() => DICOMWEB_SITE)
  studies(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.answer('study', query, {}, req, res);
  }

  @Get('series')
  @Roles('admin', 'radiologist')
  @SiteScope(() => DICOMWEB_SITE)
  series(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.answer('series', query, {}, req, res);
  }

  @Get('studies/:study/series')
  @Roles('admin', 'radiologist')
  @SiteScope(() => DICOMWEB_SITE)
  studySeries(@Param('study') study: string, @Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.answer('series', query, { study }, req, res);
  }

  @Get('instances')
  @Roles('admin', 'radiologist')
  @SiteScope(() => DICOMWEB_SITE)
  instances(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.answer('instance', query, {}, req, res);
  }

  @Get('studies/:study/instances')
  @Roles('admin', 'radiologist')
  @SiteScope(() => DICOMWEB_SITE)
  studyInstances(@Param('study') study: string, @Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.answer('instance', query, { study }, req, res);
  }

  @Get('studies/:study/series/:series/instances')
  @Roles('admin', 'radiologist')
  @SiteScope(() => DICOMWEB_SITE)
  seriesInstances(
    @Param('study') study: string,
    @Param('series') series: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.answer('instance', query, { study, series }, req, res);
  }

  private async answer(level: QidoLevel, query: Record<string, unknown>, scope: DicomwebScope, req: Request, res: Response): Promise<void> {
    const { results, warnings } = await this.qido.search(level, query, scope, dicomwebBaseUrl(req));
    for (const warning of warnings) res.append('Warning', warningHeader(warning));
    res.status(200).type('application/dicom+json').send(JSON.stringify(results));
  }
}
