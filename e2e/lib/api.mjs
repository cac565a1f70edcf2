// Test data through the GraphQL API, as the admin scripts/e2e.sh created: every journey makes
// its own reps, leads and policies with unique names, so journeys never depend on each other.
import { config } from './browser.mjs';

/** One GraphQL call; throws with the server's errors so a broken set-up fails loudly. */
export async function gql(token, query, variables = {}) {
  const response = await fetch(new URL('/graphql', config.baseURL), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export async function login(email, password) {
  const data = await gql(
    null,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
    { e: email, p: password },
  );
  return data.login.token;
}

export const adminToken = () => login(config.email, config.password);

/** A fresh unique suffix for names and e-mails. */
export const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** A rep with a known password (in the default team). */
export async function createRep(admin, name) {
  const email = `rep-${unique()}@e2e.test`;
  const password = 'e2e-rep-password';
  const data = await gql(
    admin,
    'mutation($input: UserInput!) { createUser(input: $input) { id email name } }',
    { input: { email, name, password, role: 'REP', timezone: 'UTC' } },
  );
  return { ...data.createUser, password };
}

const LEAD_FIELDS = 'id status owner { id } slaClocks { kind state dueAt }';

/** Ingests one lead and returns it as the API answers. */
export async function ingestLead(admin, lead) {
  const data = await gql(
    admin,
    `mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { errors { message field } leads { ${LEAD_FIELDS} } } }`,
    { leads: [{ externalId: `e2e-${unique()}`, email: `lead-${unique()}@example.com`, ...lead }] },
  );
  const result = data.ingestLeads;
  if (result.errors.length || result.leads.length !== 1) {
    throw new Error(`ingest failed: ${JSON.stringify(result)}`);
  }
  return result.leads[0];
}

/** Gives a lead to `ownerId` (routing may have picked someone else). */
export async function reassign(admin, leadId, ownerId) {
  const data = await gql(
    admin,
    `mutation($id: ID!, $owner: ID!) { reassignLead(id: $id, ownerId: $owner) { ${LEAD_FIELDS} } }`,
    { id: leadId, owner: ownerId },
  );
  return data.reassignLead;
}

/** A lead of `leadType` owned by `rep`. */
export async function leadFor(admin, rep, lead) {
  const created = await ingestLead(admin, lead);
  if (created.owner?.id === rep.id) return created;
  return reassign(admin, created.id, rep.id);
}
