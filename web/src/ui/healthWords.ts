// Plain words for the health API's codes, shared by the patient's health page and a doctor's view
// of a patient (a feature may not import another feature, so they live here).
import type { HealthKind } from '../api/client';

export const KIND_LABEL: Record<HealthKind, string> = {
  blood_pressure: 'Blood pressure',
  blood_glucose: 'Blood sugar',
  heart_rate: 'Heart rate',
  body_weight: 'Weight',
  spo2: 'Oxygen level',
  body_temperature: 'Temperature',
};

export const KINDS = Object.keys(KIND_LABEL) as HealthKind[];

/** The canonical unit the charts use, as a person reads it. */
export const KIND_UNIT: Record<HealthKind, string> = {
  blood_pressure: 'mmHg',
  blood_glucose: 'mg/dL',
  heart_rate: 'beats a minute',
  body_weight: 'kg',
  spo2: '%',
  body_temperature: '°C',
};

const CATEGORY: Record<string, string> = {
  normal: 'Normal',
  elevated: 'Elevated',
  stage_1: 'High, stage 1',
  stage_2: 'High, stage 2',
  hypertensive_crisis: 'Very high (crisis)',
  hypoglycaemia_level_2: 'Very low',
  hypoglycaemia_level_1: 'Low',
  prediabetes_range: 'Prediabetes range',
  diabetes_range: 'Diabetes range',
  unclassified: 'No category at this time of day',
  high: 'High',
  low: 'Low',
  slightly_low: 'Slightly low',
  very_low: 'Very low',
  hypothermia: 'Very low (hypothermia)',
  fever: 'Fever',
  high_fever: 'High fever',
};

export function categoryLabel(code: string | null | undefined): string {
  if (!code) return '—';
  return CATEGORY[code] ?? code.replace(/_/g, ' ');
}

export const GUIDELINE_LABEL: Record<string, string> = {
  acc_aha_2017: 'American Heart Association / ACC 2017',
  ada_standards: 'American Diabetes Association',
  who_bmi: 'World Health Organization',
  resting_heart_rate: 'usual adult resting range',
  rcp_news2_2017: 'NEWS2 (Royal College of Physicians)',
};

export const CONTEXT_LABEL: Record<string, string> = {
  fasting: 'Fasting',
  before_meal: 'Before a meal',
  after_meal_2h: '2 hours after a meal',
  random: 'Any time',
  bedtime: 'At bedtime',
};

/** The category bands shaded behind a kind's line chart, canonical units, lowest first (docs/HEALTH.md). */
export interface Band {
  from: number;
  to: number;
  label: string;
  tone: 'ok' | 'watch' | 'high' | 'urgent';
}
export const BANDS: Partial<Record<HealthKind, Band[]>> = {
  // Upper (systolic) value, ACC/AHA 2017.
  blood_pressure: [
    { from: 0, to: 120, label: 'Normal', tone: 'ok' },
    { from: 120, to: 130, label: 'Elevated', tone: 'watch' },
    { from: 130, to: 140, label: 'High, stage 1', tone: 'high' },
    { from: 140, to: 180, label: 'High, stage 2', tone: 'high' },
    { from: 180, to: 400, label: 'Very high (crisis)', tone: 'urgent' },
  ],
  blood_glucose: [
    { from: 0, to: 54, label: 'Very low', tone: 'urgent' },
    { from: 54, to: 70, label: 'Low', tone: 'high' },
    { from: 70, to: 100, label: 'Normal when fasting', tone: 'ok' },
    { from: 100, to: 126, label: 'Prediabetes range when fasting', tone: 'watch' },
    { from: 126, to: 200, label: 'Diabetes range when fasting', tone: 'high' },
    { from: 200, to: 1100, label: 'High', tone: 'high' },
  ],
  heart_rate: [
    { from: 0, to: 60, label: 'Low', tone: 'watch' },
    { from: 60, to: 100, label: 'Normal', tone: 'ok' },
    { from: 100, to: 400, label: 'High', tone: 'watch' },
  ],
  spo2: [
    { from: 0, to: 91.5, label: 'Very low', tone: 'urgent' },
    { from: 91.5, to: 93.5, label: 'Low', tone: 'high' },
    { from: 93.5, to: 95.5, label: 'Slightly low', tone: 'watch' },
    { from: 95.5, to: 101, label: 'Normal', tone: 'ok' },
  ],
  body_temperature: [
    { from: 0, to: 35.05, label: 'Very low', tone: 'urgent' },
    { from: 35.05, to: 36.05, label: 'Low', tone: 'watch' },
    { from: 36.05, to: 38.05, label: 'Normal', tone: 'ok' },
    { from: 38.05, to: 39.05, label: 'Fever', tone: 'watch' },
    { from: 39.05, to: 50, label: 'High fever', tone: 'high' },
  ],
};
