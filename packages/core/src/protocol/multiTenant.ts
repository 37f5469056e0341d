// Microsoft Entra ID's multi-tenant issuers (`multiTenant`), loaded on demand by the apps that
// sign in through one. It imports nothing at runtime: discovery hands it what it needs.
import type * as oauth from 'oauth4webapi'
import type { AuthConfig } from '../first/config.js'
import type { AuthError } from '../first/errors.js'

const TENANT_ID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i

/**
 * Checks that the metadata names Entra ID's multi-tenant issuer template
 * (`https://login.microsoftonline.com/{tenantid}/v2.0`), and makes every ID token's `iss` check
 * expect it filled with that token's own `tid`, which must be a tenant id and, when `multiTenant`
 * lists tenants, one of them.
 * @param expectedIssuer oauth4webapi's hook for an ID token's expected issuer.
 * @throws {@link AuthError} `issuer_mismatch` for other metadata, `config_invalid` for a `multiTenant` that is neither `true` nor
 *   `{ tenants: [...] }`.
 * @see {@link https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-the-issuer | Entra ID: validate the issuer}
 */
export function acceptTenants(
  as: oauth.AuthorizationServer,
  issuer: URL,
  multiTenant: NonNullable<AuthConfig['multiTenant']>,
  expectedIssuer: symbol,
  Failure: typeof AuthError,
): void {
  const tenants = multiTenant === true ? [] : (multiTenant as { tenants?: unknown }).tenants
  if (!Array.isArray(tenants) || tenants.some((tenant) => typeof tenant !== 'string')) {
    throw new Failure(
      'config_invalid',
      'Invalid Latchkey configuration: `multiTenant` must be true, false or { tenants: [tenant ids] }.',
    )
  }
  // Entra ID's /common, /organizations and /consumers name one issuer for all their tenants.
  const template = `${issuer.origin}/{tenantid}/v2.0`
  if (as.issuer !== template) {
    throw new Failure(
      'issuer_mismatch',
      `The metadata names the issuer ${as.issuer}; \`multiTenant\` is for Entra ID's multi-tenant issuers, whose metadata names ${template}.`,
    )
  }
  Object.assign(as, {
    [expectedIssuer]: ({ claims }: { claims: { tid?: unknown } }) => {
      const { tid } = claims
      if (typeof tid !== 'string' || !TENANT_ID.test(tid)) {
        throw new Failure('id_token_invalid', 'The ID token has no valid `tid` (tenant id).')
      }
      if (tenants.length > 0 && !tenants.includes(tid)) {
        throw new Failure(
          'id_token_invalid',
          `The ID token is from tenant ${tid}, which is not one of \`multiTenant.tenants\`.`,
        )
      }
      return template.replace('{tenantid}', tid)
    },
  })
}
