import { type Clock, sleep, systemClock } from './clock';
import { TransportError, type TransportErrorDetails, abortError, isTransportError } from './errors';
import { type HttpResponse, errorMessageOf, parseRetryAfter } from './http';

/** Tuning of the pacer. Defaults follow Entra's documented limit of 40 calls in any 5-second window. */
export interface PacerOptions {
  /** Calls allowed in one window (default 40). */
  windowCalls?: number;
  /** Window length in ms (default 5000). */
  windowMs?: number;
  /**
   * Speed-up of the pacer's own durations (the window and backoff delays are divided by it), matching the
   * emulator's `timeScale`: 100 runs a benchmark against a 100×-accelerated emulator. Retry-After is obeyed
   * as the server states it (the emulator already scales it). Default 1, real time.
   */
  timeScale?: number;
  /**
   * Requests in flight at once (default 8). Entra allows 8 calls a second on average; with replies taking up to a
   * second, fewer in flight would leave the window unused (calls per second ≤ in flight / reply time).
   */
  concurrency?: number;
  /** Attempts per request for 5xx and network failures, the first included (default 6). */
  maxAttempts?: number;
  /** 429 replies one request may wait out before giving up (default 30). */
  maxThrottleWaits?: number;
  /** First backoff ceiling in ms; doubles per attempt (default 1000). */
  baseDelayMs?: number;
  /** Largest backoff ceiling in ms (default 60 000). */
  maxDelayMs?: number;
  /** A Retry-After longer than this (ms) stops the request instead of waiting (default 15 min). */
  maxRetryAfterMs?: number;
  /**
   * How long the whole connection pauses when bulkUpload answers 500 "bucket full" (the job's queue is full) and
   * no Retry-After says otherwise (default 10 min, scaled). Microsoft's advice is to wait 5–10 minutes
   * (entra-docs inbound-provisioning-api-issues); quick retries would only find the queue still full.
   */
  bucketFullWaitMs?: number;
  /** "Bucket full" pauses one request may wait out before the run stops (default 6: an hour at the default wait). */
  maxBucketFullWaits?: number;
  clock?: Clock;
  /** Source of jitter in [0, 1); injectable for tests. */
  random?: () => number;
}

/** What the pacer reports while it works. */
export type PacerEvent =
  | { type: 'call'; label: string; attempt: number; at: number }
  | { type: 'throttle'; label: string; status: number; waitMs: number }
  | { type: 'retry'; label: string; attempt: number; delayMs: number; reason: string }
  | { type: 'tokenRefresh'; label: string }
  /** The job's queue is full: every request waits `waitMs`, then the upload carries on by itself. */
  | { type: 'bucketFull'; label: string; waitMs: number; until: number };

/** Counters since the pacer was created. */
export interface PacerStats {
  calls: number;
  throttles: number;
  retries: number;
  tokenRefreshes: number;
}

/** One logical request: the pacer may send it several times. */
export interface PacedRequest {
  /** How the request is named in messages, e.g. `chunk 3 of 7 (bulkIds 101…150)`. */
  label: string;
  /** The Graph permission this call needs; named when the reply is 403. */
  permission: string;
  /** Context copied into any TransportError raised for this request. */
  details?: TransportErrorDetails;
  signal?: AbortSignal;
  /**
   * Send the request once. `forceRefresh` is true on the single retry after a 401: fetch a new token.
   * Throw a TransportError with `details.retryable` for failures worth another attempt.
   */
  send(context: { attempt: number; forceRefresh: boolean; signal?: AbortSignal }): Promise<HttpResponse>;
}

/**
 * Ends a call's hold on its window slot. `replied` false: the call failed without a reply (network error, abort),
 * so the request may still be on its way to the service; the slot is then held one window longer.
 */
export type SlotRelease = (replied?: boolean) => void;

interface Waiter {
  resolve: (release: SlotRelease) => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Slot {
  /** When the slot stops counting against the window; undefined while the call is in flight. */
  freeAt?: number;
}

const RETRYABLE_STATUS = new Set([500, 502, 503, 504, 408]);

/**
 * True when a reply is Entra's "bucket full": HTTP 500 with a message saying the job's queue (bucket) is full
 * (entra-docs inbound-provisioning-api-issues). Any other 500 is an ordinary server error, retried with backoff.
 */
export function isBucketFull(status: number, body: string): boolean {
  if (status !== 500) return false;
  const { message, code } = errorMessageOf(body);
  return /\b(bucket|queue)\s+(is\s+)?full\b/i.test(`${code ?? ''} ${message ?? ''}`);
}

/**
 * Paces every request of one connection: a sliding window of `windowCalls` per `windowMs`, at most
 * `concurrency` in flight, a whole-pacer pause when the service says Retry-After, exponential backoff with full
 * jitter on 5xx and network failures, one token refresh on 401, and a clear stop on 400/403/404.
 *
 * A call occupies its window slot from the moment it is granted until `windowMs` after its reply arrived (two
 * windows when it failed without a reply). The service counts a call when it receives it, somewhere in between, and
 * we cannot know where; freeing the slot any earlier would let `windowCalls + 1` arrivals fall into one window for
 * some latencies. So the rule is both safe and tight: its pace is `windowCalls` per (`windowMs` + reply time), and
 * coming close to Entra's limit is a matter of keeping the reply time short (the upload loop reads and journals a
 * chunk before it asks for a slot). Where a slot starts makes no difference, only where it ends.
 */
export class Pacer {
  readonly windowCalls: number;
  readonly windowMs: number;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly maxThrottleWaits: number;
  readonly timeScale: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  /** Scaled. */
  readonly bucketFullWaitMs: number;
  private readonly maxBucketFullWaits: number;
  readonly clock: Clock;
  private readonly random: () => number;

  private readonly waiting: Waiter[] = [];
  private slots: Slot[] = [];
  private inFlight = 0;
  private pausedUntil = 0;
  private timerDue = Number.POSITIVE_INFINITY;
  private cancelTimer: (() => void) | undefined;
  private readonly listeners = new Set<(event: PacerEvent) => void>();
  private readonly counters: PacerStats = { calls: 0, throttles: 0, retries: 0, tokenRefreshes: 0 };

  constructor(options: PacerOptions = {}) {
    this.timeScale = positive(options.timeScale ?? 1, 'timeScale');
    this.windowCalls = Math.floor(positive(options.windowCalls ?? 40, 'windowCalls'));
    this.windowMs = positive(options.windowMs ?? 5000, 'windowMs') / this.timeScale;
    this.concurrency = Math.floor(positive(options.concurrency ?? 8, 'concurrency'));
    this.maxAttempts = Math.floor(positive(options.maxAttempts ?? 6, 'maxAttempts'));
    this.maxThrottleWaits = Math.floor(options.maxThrottleWaits ?? 30);
    this.baseDelayMs = positive(options.baseDelayMs ?? 1000, 'baseDelayMs');
    this.maxDelayMs = positive(options.maxDelayMs ?? 60_000, 'maxDelayMs');
    this.maxRetryAfterMs = positive(options.maxRetryAfterMs ?? 15 * 60_000, 'maxRetryAfterMs');
    this.bucketFullWaitMs = positive(options.bucketFullWaitMs ?? 10 * 60_000, 'bucketFullWaitMs') / this.timeScale;
    this.maxBucketFullWaits = Math.floor(options.maxBucketFullWaits ?? 6);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  /** Subscribe to pacer events; returns the unsubscribe function. */
  onEvent(listener: (event: PacerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): PacerStats {
    return { ...this.counters };
  }

  /** Calls currently counted against the window (in flight or replied within the last window). */
  windowLoad(): number {
    this.prune(this.clock.now());
    return this.slots.length;
  }

  /** The instant (ms since epoch) until which the pacer is paused by a Retry-After, or 0. */
  pausedUntilMs(): number {
    return this.pausedUntil > this.clock.now() ? this.pausedUntil : 0;
  }

  /** Stop granting slots for `ms`, e.g. after Retry-After. Extends, never shortens, a pause. */
  pause(ms: number): void {
    const until = this.clock.now() + ms;
    if (until > this.pausedUntil) this.pausedUntil = until;
    this.pump();
  }

  /**
   * The backoff before attempt `attempt + 1` (scaled): full jitter, i.e. uniformly random between 0
   * and min(maxDelay, base · 2^(attempt−1)). Spreading retries at random keeps many clients that failed
   * together from coming back together.
   */
  backoffDelay(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, attempt - 1));
    return Math.floor((this.random() * ceiling) / this.timeScale);
  }

  /**
   * Wait for a slot in the window (and for concurrency and any pause). Resolves with the release function
   * that must be called once the reply has arrived.
   */
  acquire(signal?: AbortSignal, options: { front?: boolean } = {}): Promise<SlotRelease> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiting.indexOf(waiter);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(abortError(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      // A retry goes to the front so chunks keep roughly their order (managers before their reports).
      if (options.front) this.waiting.unshift(waiter);
      else this.waiting.push(waiter);
      this.pump();
    });
  }

  /** Send a request under the pacer's rules and return its successful (2xx/3xx) reply. */
  async execute(request: PacedRequest): Promise<HttpResponse> {
    const { label, signal } = request;
    let attempt = 0;
    let throttleWaits = 0;
    let bucketWaits = 0;
    let refreshed = false;
    let forceRefresh = false;
    for (;;) {
      const release = await this.acquire(signal, { front: attempt > 0 || refreshed || throttleWaits > 0 || bucketWaits > 0 });
      attempt += 1;
      this.counters.calls += 1;
      this.emit({ type: 'call', label, attempt, at: this.clock.now() });
      let response: HttpResponse;
      try {
        response = await request.send({ attempt, forceRefresh, signal });
      } catch (err) {
        release(false);
        if (signal?.aborted) throw abortError(signal);
        if (isTransportError(err) && err.details.retryable) {
          if (attempt < this.maxAttempts) {
            const delayMs = this.backoffDelay(attempt);
            this.counters.retries += 1;
            this.emit({ type: 'retry', label, attempt, delayMs, reason: err.details.errno ?? err.code });
            await sleep(this.clock, delayMs, signal);
            continue;
          }
          throw new TransportError('NETWORK', `${capital(label)} could not be delivered after ${attempt} attempts: ${err.message} Check the network connection, then resume.`, {
            details: { ...request.details, ...err.details, retryable: true },
            cause: err,
          });
        }
        throw err;
      }
      const { status } = response;
      const retryAfter = parseRetryAfter(response.headers['retry-after'], this.clock.now());
      // Without Retry-After, a 429 waits at least one window: the usual cause is the window being full.
      const throttleWaitMs = status === 429 ? (retryAfter ?? Math.max(this.backoffDelay(throttleWaits + 1), this.windowMs)) : undefined;
      // A full bucket pauses every request of the connection, not only this one: the queue is the job's.
      const bucketFull = isBucketFull(status, response.body);
      const bucketWaitMs = bucketFull ? (retryAfter ?? this.bucketFullWaitMs) : undefined;
      const pauseMs = throttleWaitMs ?? bucketWaitMs ?? (RETRYABLE_STATUS.has(status) ? retryAfter : undefined);
      // Pause before releasing the slot, or a queued request would slip out in between.
      if (pauseMs !== undefined && pauseMs <= this.maxRetryAfterMs) this.pause(pauseMs);
      release();
      forceRefresh = false;
      if (status >= 200 && status < 400) return response;

      const requestId = response.headers['request-id'] ?? response.headers['client-request-id'];
      const details: TransportErrorDetails = { ...request.details, status, ...(requestId ? { requestId } : {}) };
      const server = errorMessageOf(response.body);
      const serverText = server.message ? ` The service said: "${server.message}"` : '';

      if (status === 401) {
        if (!refreshed) {
          refreshed = true;
          forceRefresh = true;
          attempt -= 1; // a refresh is not a failed attempt
          this.counters.tokenRefreshes += 1;
          this.emit({ type: 'tokenRefresh', label });
          continue;
        }
        throw new TransportError('UNAUTHORIZED', `${capital(label)} was refused with 401 Unauthorized even with a freshly issued token.${serverText} Check that the tenant id and client id are right and that the app's credential has not been revoked.`, { details });
      }

      if (status === 429) {
        throttleWaits += 1;
        attempt -= 1; // being throttled is pacing, not failure
        this.counters.throttles += 1;
        const waitMs = throttleWaitMs ?? this.windowMs;
        if (waitMs > this.maxRetryAfterMs) {
          throw new TransportError('THROTTLED', `Entra asks to wait ${describeMs(waitMs)} before ${label} (the tenant's daily quota may be used up).${serverText} The run is saved: resume it after that time.`, { details: { ...details, retryable: true } });
        }
        if (throttleWaits > this.maxThrottleWaits) {
          throw new TransportError('THROTTLED', `${capital(label)} was throttled ${throttleWaits} times in a row; giving up for now. The run is saved: resume it later.`, { details: { ...details, retryable: true } });
        }
        this.emit({ type: 'throttle', label, status, waitMs });
        continue;
      }

      if (bucketFull && bucketWaitMs !== undefined) {
        bucketWaits += 1;
        attempt -= 1; // waiting for the queue to drain is pacing, not a failed attempt
        if (bucketWaitMs > this.maxRetryAfterMs || bucketWaits > this.maxBucketFullWaits) {
          throw new TransportError('SERVER_ERROR', `The provisioning job's queue stayed full (HTTP 500 "bucket full") for ${label}, after waiting ${bucketWaits - 1} time(s).${serverText} Entra has not processed what it holds: check that the job is running, then resume the run.`, { details: { ...details, retryable: true, bucketFull: true } });
        }
        this.emit({ type: 'bucketFull', label, waitMs: bucketWaitMs, until: this.clock.now() + bucketWaitMs });
        await sleep(this.clock, bucketWaitMs, signal);
        continue;
      }

      if (RETRYABLE_STATUS.has(status)) {
        if (attempt < this.maxAttempts) {
          let delayMs: number;
          if (retryAfter !== undefined && retryAfter <= this.maxRetryAfterMs) {
            delayMs = retryAfter; // the pacer is already paused for everyone
          } else {
            delayMs = this.backoffDelay(attempt);
          }
          this.counters.retries += 1;
          this.emit({ type: 'retry', label, attempt, delayMs, reason: `HTTP ${status}` });
          await sleep(this.clock, delayMs, signal);
          continue;
        }
        throw new TransportError('SERVER_ERROR', `${capital(label)} failed with HTTP ${status} ${attempt} times in a row.${serverText} Microsoft Graph may be having an outage; the run is saved, resume it later.`, { details: { ...details, retryable: true } });
      }

      if (status === 400) {
        const hint = /invalid data format/i.test(server.message ?? '')
          ? ' This usually means the Content-Type was not application/scim+json or the body is not a SCIM BulkRequest.'
          : ' Fix the data or the mapping profile and upload again; chunks already accepted are not sent twice.';
        throw new TransportError('BAD_REQUEST', `Entra rejected ${label} as invalid (400).${serverText || ' No reason was given.'}${hint}`, { details });
      }
      if (status === 403) {
        throw new TransportError('FORBIDDEN', `Entra refused ${label} with 403 Forbidden: the app (or signed-in user) needs the Microsoft Graph permission ${request.permission}.${serverText} Add it under API permissions in the app registration, grant admin consent, then try again.`, { details: { ...details, permission: request.permission } });
      }
      if (status === 404) {
        throw new TransportError('NOT_FOUND', `Microsoft Graph answered 404 Not Found for ${label}.${serverText} Check the servicePrincipalId and jobId in the profile's target.`, { details });
      }
      throw new TransportError('HTTP_ERROR', `Microsoft Graph answered HTTP ${status} for ${label}.${serverText}`, { details });
    }
  }

  private emit(event: PacerEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a faulty progress display must never break an upload
      }
    }
  }

  private prune(now: number): void {
    this.slots = this.slots.filter((slot) => slot.freeAt === undefined || slot.freeAt > now);
  }

  private pump(): void {
    const now = this.clock.now();
    this.prune(now);
    while (this.waiting.length > 0) {
      if (now < this.pausedUntil) return this.wakeAt(this.pausedUntil);
      if (this.inFlight >= this.concurrency) return; // a release pumps again
      if (this.slots.length >= this.windowCalls) {
        let next = Number.POSITIVE_INFINITY;
        for (const slot of this.slots) if (slot.freeAt !== undefined) next = Math.min(next, slot.freeAt);
        if (Number.isFinite(next)) this.wakeAt(next);
        return; // if every slot is in flight, a release pumps again
      }
      const waiter = this.waiting.shift() as Waiter;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      const slot: Slot = {};
      this.slots.push(slot);
      this.inFlight += 1;
      let released = false;
      waiter.resolve((replied = true) => {
        if (released) return;
        released = true;
        // Without a reply the bytes may still be in flight (or held by a proxy): count the call one window longer.
        slot.freeAt = this.clock.now() + (replied ? 1 : 2) * this.windowMs;
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private wakeAt(at: number): void {
    if (this.cancelTimer && this.timerDue <= at) return;
    this.cancelTimer?.();
    this.timerDue = at;
    this.cancelTimer = this.clock.setTimer(at - this.clock.now(), () => {
      this.cancelTimer = undefined;
      this.timerDue = Number.POSITIVE_INFINITY;
      this.pump();
    });
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new TransportError('INVALID_ARGUMENT', `The pacer option ${name} must be a positive number (got ${String(value)}).`);
  }
  return value;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "3 min 20 s", "45 s", "2 h 5 min". */
export function describeMs(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}
