// The advice calls, typed by hand: POST/GET /api/v1/health/advice is not in docs/openapi.json yet
// (the server part is being built in parallel), so `call` cannot type it. The shapes follow
// src/engines/ai/answer.cpp's to_json(Answer); once the route is in the OpenAPI document these
// wrappers belong in api/client.ts with generated types.
import { ApiError, rawCall } from '../../api/client';

export type AdviceArea = 'diet' | 'activity' | 'sleep' | 'monitoring' | 'medical_follow_up';
export type AdviceUrgency = 'routine' | 'soon' | 'urgent';

export interface AdviceSuggestion {
  text: string;
  area: AdviceArea;
  /** Fact keys the suggestion rests on (e.g. "blood_pressure.home_average"). */
  based_on: string[];
  urgency: AdviceUrgency;
}

export interface AdviceAnswer {
  task: string;
  urgent_message: string | null;
  summary: string;
  suggestions: AdviceSuggestion[];
  see_doctor_when: string;
  disclaimer: string;
  provider: string;
  model: string;
  latency_ms: number;
  cached: boolean;
  fell_back: boolean;
  fallback_reason: string | null;
  fallback_detail: string | null;
  tokens?: { input: number; output: number };
}

export interface Advice {
  id: number;
  created_at: string;
  answer: AdviceAnswer;
}

/** null: the server has no advice route (404), so the panel says advice is not available yet. */
async function orMissing<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export const adviceApi = {
  ask: () => orMissing(rawCall<Advice>('POST', '/api/v1/health/advice', { body: {} })),
  history: (signal?: AbortSignal) => orMissing(rawCall<{ items: Advice[]; next_cursor: string | null }>('GET', '/api/v1/health/advice?limit=5', { signal })),
};
