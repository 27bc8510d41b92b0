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
