/**
 * `enterprise claims|confirm|reject`: an operator decides pending legal-representative claims after
 * an in-person check (the business-registry channel decides them automatically when configured).
 */
import type { Container } from '../container.ts';
import { parseOptions, UsageError, type CommandIO } from './io.ts';
import type { CliOperator } from './operator.ts';

export async function enterpriseCommand(args: string[], io: CommandIO, c: Container, op: CliOperator): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseOptions(rest, { 'credit-code': { type: 'string' }, ref: { type: 'string' }, json: { type: 'boolean' } });
  switch (sub) {
    case 'claims': {
      const claims = await c.enterprises.pendingClaims(values['credit-code']);
      if (values.json) io.out(JSON.stringify(claims, null, 2));
      for (const cl of claims) {
        const e = await c.enterprises.findById(cl.enterprise_id);
        if (!values.json) io.out(`${cl.id}\t${e?.credit_code}\t${cl.claimed_name}\tperson ${cl.person_id}\tsince ${cl.created_at.toISOString()}`);
      }
      return 0;
    }
    case 'confirm':
    case 'reject': {
      const claimId = positionals[0];
      if (!claimId) throw new UsageError(`enterprise ${sub} needs a claim id (see \`enterprise claims\`)`);
      if (!values.ref) throw new UsageError(`enterprise ${sub} needs --ref: the reference of the in-person check or document`);
      const decision = sub === 'confirm'
        ? await c.enterprises.verifyClaim(claimId, 'operator', values.ref)
        : await c.enterprises.rejectClaim(claimId, 'operator', values.ref);
      await c.audit.record({ actor: op.actor, action: `enterprise.claim_${decision.status}`, target: claimId, detail: { ...op.detail, ref: values.ref, suspendedDelegations: decision.suspendedDelegations } });
      io.out(`claim ${claimId}: ${decision.status}`);
      if (decision.representativeChanged) io.out(`representative changed: ${decision.suspendedDelegations.length} agent authorisation(s) suspended until the new representative confirms them`);
      return 0;
    }
    default:
      throw new UsageError(`unknown enterprise command: ${sub ?? '(none)'}`);
  }
}
