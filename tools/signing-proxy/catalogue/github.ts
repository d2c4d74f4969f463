import { github } from '../../../services/providers/github.js';
import { type IdSource, randomIds } from '../ids.js';
import { epochSeconds, isPlainObject, mergeOverrides } from './merge-overrides.js';
import {
  type CatalogueEntry,
  type CatalogueEvent,
  type EventFactoryInput,
  fromDescriptor,
  type ProviderCatalogue,
} from './provider-catalogue.js';
import { numericIfPossible } from './resource-id.js';

/*
 * GitHub repository webhook deliveries (JSON content type), abridged to the fields a receiver
 * reads, per "Webhook events and payloads",
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads. The event name travels in
 * `X-GitHub-Event` and the body's `action` says what happened (`issues` + `opened`); the catalogue
 * key joins them as the receiver does (`issues.opened`). The delivery id, a GUID, travels in
 * `X-GitHub-Delivery`: it is the event id handed to `Provider.sign`. Times are ISO 8601 to the
 * second, except a push's `repository.created_at` / `pushed_at`, which GitHub sends as epoch
 * seconds.
 */

const HEX = '0123456789abcdef';
const REPO_URL = 'https://github.com/octocat/Hello-World';
const API_REPO_URL = 'https://api.github.com/repos/octocat/Hello-World';

type Json = Record<string, unknown>;

/** GitHub's timestamps: ISO 8601 in UTC, to the second. */
function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

function user(login = 'octocat', id = 1): Json {
  return {
    login,
    id,
    node_id: Buffer.from(`04:User${id}`).toString('base64'),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    html_url: `https://github.com/${login}`,
    type: 'User',
    site_admin: false,
  };
}

function repository(): Json {
  return {
    id: 1296269,
    node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
    name: 'Hello-World',
    full_name: 'octocat/Hello-World',
    private: false,
    owner: user(),
    html_url: REPO_URL,
    description: 'This your first repo!',
    fork: false,
    url: API_REPO_URL,
    created_at: '2011-01-26T19:01:12Z',
    updated_at: '2011-01-26T19:14:43Z',
    pushed_at: '2011-01-26T19:06:43Z',
    default_branch: 'main',
    visibility: 'public',
  };
}

function sha(ids: IdSource): string {
  return ids.token(40, HEX);
}

function commit(ids: IdSource, at: number, message: string): Json {
  const id = sha(ids);
  const author = { name: 'Monalisa Octocat', email: 'octocat@github.com', username: 'octocat' };
  return {
    id,
    tree_id: sha(ids),
    distinct: true,
    message,
    timestamp: isoSeconds(at),
    url: `${REPO_URL}/commit/${id}`,
    author,
    committer: author,
    added: [],
    removed: [],
    modified: ['README.md'],
  };
}

function push(ids: IdSource, branch: string, at: number): Json {
  const first = commit(ids, at - 60, 'Describe the webhook receiver');
  const head = commit(ids, at, 'Fix the retry schedule');
  const before = sha(ids);
  return {
    ref: `refs/heads/${branch}`,
    before,
    after: head.id,
    repository: {
      ...repository(),
      // A push payload's repository carries these two as epoch seconds.
      created_at: 1296068472,
      pushed_at: at,
    },
    pusher: { name: 'octocat', email: 'octocat@github.com' },
    sender: user(),
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `${REPO_URL}/compare/${before.slice(0, 12)}...${String(head.id).slice(0, 12)}`,
    commits: [first, head],
    head_commit: head,
  };
}

function issue(ids: IdSource, number: number | string, at: number): Json {
  return {
    url: `${API_REPO_URL}/issues/${number}`,
    repository_url: API_REPO_URL,
    html_url: `${REPO_URL}/issues/${number}`,
    id: ids.int(1_000_000_000, 4_000_000_000),
    node_id: `I_kwDOABPHjc${ids.token(8)}`,
    number,
    title: 'Webhook receiver drops events',
    user: user(),
    labels: [],
    state: 'open',
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: 0,
    created_at: isoSeconds(at),
    updated_at: isoSeconds(at),
    closed_at: null,
    author_association: 'OWNER',
    body: 'Deliveries sent during a deploy are answered 502.',
  };
}

function branchRef(ids: IdSource, label: string, ref: string): Json {
  return { label: `octocat:${label}`, ref, sha: sha(ids), user: user(), repo: repository() };
}

function pullRequest(
  ids: IdSource,
  number: number | string,
  at: number,
  state: 'opened' | 'closed',
): Json {
  const closed = state === 'closed';
  const createdAt = closed ? at - 3600 : at;
  return {
    url: `${API_REPO_URL}/pulls/${number}`,
    id: ids.int(1_000_000_000, 4_000_000_000),
    node_id: `PR_kwDOABPHjc${ids.token(8)}`,
    html_url: `${REPO_URL}/pull/${number}`,
    number,
    state: closed ? 'closed' : 'open',
    locked: false,
    title: 'Retry failed deliveries with backoff',
    user: user(),
    body: 'Adds exponential backoff to the delivery worker.',
    created_at: isoSeconds(createdAt),
    updated_at: isoSeconds(at),
    closed_at: closed ? isoSeconds(at) : null,
    merged_at: closed ? isoSeconds(at) : null,
    merge_commit_sha: closed ? sha(ids) : null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    labels: [],
    draft: false,
    head: branchRef(ids, 'retry-backoff', 'retry-backoff'),
    base: branchRef(ids, 'main', 'main'),
    author_association: 'OWNER',
    merged: closed,
    mergeable: closed ? null : true,
    merged_by: closed ? user() : null,
    comments: 0,
    review_comments: 0,
    commits: 3,
    additions: 120,
    deletions: 14,
    changed_files: 4,
  };
}

function release(id: number | string, at: number): Json {
  const tag = 'v1.2.0';
  return {
    url: `${API_REPO_URL}/releases/${id}`,
    html_url: `${REPO_URL}/releases/tag/${tag}`,
    id,
    node_id: `RE_kwDOABPHjc${typeof id === 'number' ? id.toString(36) : id}`,
    tag_name: tag,
    target_commitish: 'main',
    name: tag,
    draft: false,
    prerelease: false,
    author: user(),
    created_at: isoSeconds(at - 600),
    updated_at: isoSeconds(at),
    published_at: isoSeconds(at),
    assets: [],
    tarball_url: `${API_REPO_URL}/tarball/${tag}`,
    zipball_url: `${API_REPO_URL}/zipball/${tag}`,
    body: 'Retries with backoff.',
  };
}

type ResourceType = 'branch' | 'issue' | 'pull_request' | 'release';

/** The body for an event about `resourceId` at `at` (epoch seconds), without the context. */
type Make = (ids: IdSource, resourceId: string, at: number) => Json;

function entry(
  eventType: string,
  description: string,
  resourceType: ResourceType,
  newResourceId: (ids: IdSource) => string,
  make: Make,
): CatalogueEntry {
  return {
    description,
    resourceType,
    build(input: EventFactoryInput = {}): CatalogueEvent {
      const ids = input.ids ?? randomIds;
      const at = epochSeconds(input.occurredAt ?? new Date());
      const resourceId = input.resourceId ?? newResourceId(ids);
      const body = make(ids, resourceId, at);
      const eventId = newEventId(ids);
      mergeOverrides(body, input.overrides);
      return {
        provider: 'github',
        eventType,
        eventId,
        resource: `${resourceType}/${resourceId}`,
        occurredAt: describeBody(body).occurredAt ?? new Date(at * 1000),
        body,
      };
    },
  };
}

const newNumber = (ids: IdSource) => String(ids.int(1, 99_999));

/** An action and the repository context, around the resource-specific fields. */
function withContext(action: string, fields: Json): Json {
  return { action, ...fields, repository: repository(), sender: user() };
}

/**
 * What a body says about itself: the event name is in `X-GitHub-Event`, never in the body, so no
 * event type; the time is the resource's own (`updated_at`, else `created_at`), or a push's
 * head commit time.
 */
function describeBody(body: unknown): { occurredAt?: Date } {
  if (!isPlainObject(body)) return {};
  for (const key of ['issue', 'pull_request', 'release']) {
    const resource = body[key];
    if (!isPlainObject(resource)) continue;
    const time = resource.updated_at ?? resource.created_at;
    if (typeof time === 'string' && !Number.isNaN(Date.parse(time))) {
      return { occurredAt: new Date(time) };
    }
  }
  const head = body.head_commit;
  if (isPlainObject(head) && typeof head.timestamp === 'string') {
    const time = Date.parse(head.timestamp);
    if (!Number.isNaN(time)) return { occurredAt: new Date(time) };
  }
  return {};
}

/** `X-GitHub-Delivery`: a GUID per delivery, kept when a delivery is redelivered. */
function newEventId(ids: IdSource): string {
  return ids.uuid();
}

/** A GitHub `issues` delivery with `action: "opened"` (the test helpers' default GitHub event). */
export function githubIssuesEvent(
  overrides: Record<string, unknown> = {},
  ids: IdSource = randomIds,
): Record<string, unknown> {
  const body = githubCatalogue.events['issues.opened']!.build({ ids }).body;
  return { ...body, ...overrides };
}

export const githubCatalogue: ProviderCatalogue<'github'> = {
  ...fromDescriptor(github),
  events: {
    push: entry(
      'push',
      'Commits were pushed to a branch; --resource names the branch.',
      'branch',
      (ids) => `feature-${ids.token(6, HEX)}`,
      (ids, branch, at) => push(ids, branch, at),
    ),
    'issues.opened': entry(
      'issues.opened',
      'An issue was opened; --resource is its number.',
      'issue',
      newNumber,
      (ids, number, at) =>
        withContext('opened', { issue: issue(ids, numericIfPossible(number), at) }),
    ),
    'pull_request.opened': entry(
      'pull_request.opened',
      'A pull request was opened; --resource is its number.',
      'pull_request',
      newNumber,
      (ids, number, at) => {
        const n = numericIfPossible(number);
        return withContext('opened', {
          number: n,
          pull_request: pullRequest(ids, n, at, 'opened'),
        });
      },
    ),
    'pull_request.closed': entry(
      'pull_request.closed',
      'A pull request was merged and closed (merged: true).',
      'pull_request',
      newNumber,
      (ids, number, at) => {
        const n = numericIfPossible(number);
        return withContext('closed', {
          number: n,
          pull_request: pullRequest(ids, n, at, 'closed'),
        });
      },
    ),
    'release.published': entry(
      'release.published',
      'A release was published; --resource is the release id.',
      'release',
      (ids) => String(ids.int(100_000_000, 300_000_000)),
      (_ids, id, at) => withContext('published', { release: release(numericIfPossible(id), at) }),
    ),
  },
  /*
   * "GitHub does not automatically redeliver failed deliveries": a failed delivery is only sent
   * again by hand or through the REST API's redelivery endpoints. "Handling failed webhook
   * deliveries", https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries.
   */
  retrySchedule: {
    delaysSeconds: [],
    source:
      'https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries (no automatic redelivery)',
  },
  wrongSecret: 'not_the_configured_github_webhook_secret',
  signatureHeader: 'x-hub-signature-256',
  describeBody,
  newEventId,
};
