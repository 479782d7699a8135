/** Display names of relying platforms for the account page, from the client registry. */
import { isAppError } from '../errors.ts';
import type { ClientRegistry } from '../oidc/client-registry.ts';

export type ClientNameOf = (clientId: string) => Promise<string>;

/** A removed platform shows its client id: the person still sees what they authorised. */
export function clientNames(registry: ClientRegistry): ClientNameOf {
  return async (clientId) => {
    try {
      const { metadata } = await registry.show(clientId);
      return typeof metadata.client_name === 'string' && metadata.client_name ? metadata.client_name : clientId;
    } catch (e) {
      if (isAppError(e) && e.code === 'client.not_found') return clientId;
      throw e;
    }
  };
}
