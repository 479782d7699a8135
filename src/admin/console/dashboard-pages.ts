/**
 * The dashboard (/admin/console/dashboard): the last day at a glance, charts drawn here as SVG.
 * Shown to the system administrator, the security administrator and the auditor: it reveals no
 * person, only counts, and each of them watches part of it (platforms and channels, locks and
 * logins, the trail). Counter operators and platform managers have no use for it.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { DashboardData, DashboardStats } from '../dashboard-stats.ts';
import { csrfToken } from '../../http/csrf.ts';
import { localeOf, sendPage } from '../../http/pages.ts';
import { hasMessage, translator, type Locale } from '../../i18n/messages.ts';
import { principalOf, requireRole, type AdminRole } from '../roles.ts';
import { chartTable, PALETTE, stackedBarSvg, type BarChart } from './svg-chart.ts';

export interface DashboardPageDeps { stats: DashboardStats }

export const DASHBOARD_ROLES: AdminRole[] = ['system_admin', 'security_admin', 'auditor'];

/** Hours as China Standard Time (the service's users and operators are all in it). */
const hourLabel = (d: Date) => String((d.getUTCHours() + 8) % 24).padStart(2, '0');

export function dashboardCharts(data: DashboardData, locale: Locale): BarChart[] {
  const t = translator(locale);
  const label = (key: string, fallback: string) => (hasMessage(key) ? t(key) : fallback);
  const hours = data.hours.map(hourLabel);
  const methods = data.logins.map((m) => m.method);
  const logins: BarChart = {
    id: 'chart-logins', title: t('dashboard.logins'), desc: t('dashboard.logins_desc'), categories: hours, labelEvery: 3,
    series: [...methods.map((m, i) => ({ label: label(`dashboard.method.${m}`, m), color: PALETTE[i % PALETTE.length]! })), { label: t('dashboard.failed'), color: '#b8322f' }],
    values: hours.map((_, h) => [...data.logins.map((m) => m.success[h] ?? 0), data.logins.reduce((sum, m) => sum + (m.failure[h] ?? 0), 0)]),
  };
  const verifications: BarChart = {
    id: 'chart-verifications', title: t('dashboard.verifications'), desc: t('dashboard.verifications_desc'),
    categories: data.verifications.map((v) => v.channelId),
    series: [{ label: t('dashboard.match'), color: '#3a8a55' }, { label: t('dashboard.mismatch'), color: '#d9822b' }, { label: t('dashboard.error'), color: '#b8322f' }],
    values: data.verifications.map((v) => [v.match, v.mismatch, v.error]),
  };
  const locks: BarChart = {
    id: 'chart-locks', title: t('dashboard.locks'), desc: t('dashboard.locks_desc'), categories: hours, labelEvery: 3,
    series: data.locks.map((l, i) => ({ label: l.action, color: PALETTE[(i + 3) % PALETTE.length]! })),
    values: hours.map((_, h) => data.locks.map((l) => l.perHour[h] ?? 0)),
  };
  const assurance: BarChart = {
    id: 'chart-assurance', title: t('dashboard.assurance'), desc: t('dashboard.assurance_desc'),
    categories: data.assurance.map((l) => l.levelId),
    series: [{ label: t('dashboard.accounts'), color: '#1f5f99' }],
    values: data.assurance.map((l) => [l.count]),
  };
  return [logins, verifications, locks, assurance];
}

export function dashboardRoutes(router: Router, deps: DashboardPageDeps): void {
  router.get('/dashboard', requireRole(...DASHBOARD_ROLES), async (ctx: Context) => {
    const locale = localeOf(ctx);
    const data = await deps.stats.collect();
    const t = translator(locale);
    const charts = dashboardCharts(data, locale).map((chart) => ({
      chart, svg: stackedBarSvg(chart), table: chartTable(chart, t('dashboard.total')), empty: chart.categories.length === 0,
    }));
    sendPage(ctx, 'admin/dashboard', { admin: principalOf(ctx.state), csrf: csrfToken(ctx), charts, sessions: data.sessions, throttleLocks: data.throttleLocks });
  });
}
