import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import type { Report } from '@polyrad/sdk';
import { CurrentUser, Roles, SiteScope } from '../../auth/auth.decorators.js';
import type { Principal } from '../../auth/principal.js';
import { DEFAULT_SITE } from '../../registry/site.rules.js';
import type { FeedbackView } from './feedback.repository.js';
import { FeedbackService } from './feedback.service.js';
import { findingDecision, parseReaderAction } from './report-review.js';

type Json = Record<string, unknown> | undefined;

/** Every study belongs to the default site today (as in StudiesController). */
const studySite = (): string => DEFAULT_SITE;

/**
 * Reading a report: correcting its findings and signing it is a radiologist's act (admins read the feedback
 * and the metrics, but neither correct nor sign). The reader is the signed-in user, never a header.
 */
@Controller('api')
export class FeedbackController {
  constructor(private readonly feedback: FeedbackService) {}

  /**
   * A decision on one finding: `accept` `{ code, note? }`; `reject` `{ code, reason, note? }` (reason: false-positive,
   * wrong-location, wrong-measurement, poor-image-quality, not-clinically-relevant, other); `edit` `{ code, value,
   * category?, note? }`, the algorithm's value staying in the finding and the reader's going beside it.
   */
  @Post('studies/:uid/report/findings/:index/:decision')
  @HttpCode(200)
  @Roles('radiologist')
  @SiteScope(studySite)
  decide(@CurrentUser() me: Principal, @Param('uid') uid: string, @Param('index') index: string, @Param('decision') decision: string, @Body() body: Json): Promise<Report> {
    return this.feedback.correct(uid, studySite(), me.username, parseReaderAction(findingDecision(decision), body, index));
  }

  /** A finding the algorithms missed: `{ code, value, unit?, category?, note? }`. */
  @Post('studies/:uid/report/findings')
  @HttpCode(201)
  @Roles('radiologist')
  @SiteScope(studySite)
  add(@CurrentUser() me: Principal, @Param('uid') uid: string, @Body() body: Json): Promise<Report> {
    return this.feedback.correct(uid, studySite(), me.username, parseReaderAction('add', body));
  }

  /** `{ text }`: the reader's impression, kept beside the draft one. */
  @Put('studies/:uid/report/impression')
  @Roles('radiologist')
  @SiteScope(studySite)
  impression(@CurrentUser() me: Principal, @Param('uid') uid: string, @Body() body: Json): Promise<Report> {
    return this.feedback.correct(uid, studySite(), me.username, parseReaderAction('impression', body));
  }

  @Post('studies/:uid/report/sign')
  @HttpCode(200)
  @Roles('radiologist')
  @SiteScope(studySite)
  sign(@CurrentUser() me: Principal, @Param('uid') uid: string): Promise<Report> {
    return this.feedback.sign(uid, studySite(), me.username);
  }

  /** Every reader action on the study's reports, oldest first. */
  @Get('studies/:uid/report/feedback')
  @Roles('admin', 'radiologist')
  @SiteScope(studySite)
  list(@Param('uid') uid: string): Promise<FeedbackView[]> {
    return this.feedback.listForStudy(uid);
  }
}
