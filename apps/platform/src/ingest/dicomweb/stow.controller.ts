import { Controller, Param, Post, Req, Res } from '@nestjs/common';
import { PolyradError } from '@polyrad/sdk';
import type { Response } from 'express';
import { type AuthenticatedRequest, Roles, SiteScope } from '../../auth/auth.decorators.js';
import { isDicomUid } from '../../studies/study-uid.js';
import { INVALID_DICOMWEB_REQUEST } from './dicomweb.errors.js';
import { DICOMWEB_SITE, dicomwebBaseUrl, warningHeader } from './dicomweb-request.js';
import { StowService } from './stow.service.js';

/**
 * STOW-RS (PS3.18 10.5): admins of the default site (where received studies belong) store instances as
 * multipart/related, as Part 10 instances or as DICOM JSON metadata with bulk data. Each refused instance also gets a Warning header with its reason.
 */
@Controller('dicomweb/studies')
export class StowController {
  constructor(private readonly stow: StowService) {}

  @Post()
  @Roles('admin')
  @SiteScope(() => DICOMWEB_SITE)
  async storeInstances(@Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    await this.answer(req, res);
  }

  @Post(':study')
  @Roles('admin')
  @SiteScope(() => DICOMWEB_SITE)
  async storeStudyInstances(@Param('study') study: string, @Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    if (!isDicomUid(study)) throw new PolyradError(INVALID_DICOMWEB_REQUEST, `${JSON.stringify(study)} is not a StudyInstanceUID`);
    await this.answer(req, res, study);
  }

  private async answer(req: AuthenticatedRequest, res: Response, study?: string): Promise<void> {
    const contentLength = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    try {
      const outcome = await this.stow.storeInstances({
        body: req,
        contentType: req.headers['content-type'] ?? '',
        ...(contentLength === undefined ? {} : { contentLength }),
        ...(study === undefined ? {} : { studyInstanceUid: study }),
        sender: { callingAe: `STOW-RS ${req.principal!.username}`, remoteAddress: req.ip ?? 'unknown address' },
        baseUrl: dicomwebBaseUrl(req),
      });
      for (const failure of outcome.failures) res.append('Warning', warningHeader(failure.reason));
      res.status(outcome.status).type('application/dicom+json').send(JSON.stringify(outcome.body));
    } catch (error) {
      // a refusal before the whole body was read: the connection cannot carry another request
      if (!req.complete) res.setHeader('Connection', 'close');
      throw error;
    }
  }
}
