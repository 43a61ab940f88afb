import { Validator } from '@cfworker/json-schema';
import { Alert, Button, NumberInput, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { describeError } from '../ui/query-state.js';

type Schema = Record<string, unknown>;
interface Property {
  name: string;
  schema: Schema;
  required: boolean;
}

const propertiesOf = (schema: Schema): Property[] => {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  return Object.entries(properties).map(([name, property]) => ({ name, schema: property, required: required.includes(name) }));
};

/**
 * Problems of a configuration against the plugin's config schema, in the API's wording ("/field message"),
 * so the form refuses what the API would refuse. A validator that compiles no code: the CSP forbids eval.
 */
export function configProblems(schema: Schema, config: Record<string, unknown>): Array<{ field: string; message: string }> {
  const result = new Validator(schema as never, '2020-12', false).validate(config);
  if (result.valid) return [];
  // the innermost errors say what is wrong; the outer ones only repeat "properties do not match"
  const leaves = result.errors.filter((e) => !['properties', 'allOf', '$ref'].includes(e.keyword));
  return (leaves.length > 0 ? leaves : result.errors).map((e) => ({ field: e.instanceLocation.replace(/^#\/?/, ''), message: e.error }));
}

/** A form for a plugin's per-site configuration, generated from its JSON Schema (top-level properties). */
export function ConfigForm({ schema, value, onSave, saving }: { schema: Schema; value: Record<string, unknown>; onSave(config: Record<string, unknown>): Promise<unknown>; saving: boolean }) {
  const properties = propertiesOf(schema);
  const [draft, setDraft] = useState<Record<string, unknown>>(() => withDefaults(properties, value));
  const [problems, setProblems] = useState<Array<{ field: string; message: string }>>([]);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setRefusal(null);
    const found = configProblems(schema, draft);
    setProblems(found);
    if (found.length > 0) return;
    try {
      await onSave(draft);
      setSaved(true);
    } catch (error) {
      setRefusal(describeError(error));
    }
  };
  const set = (name: string, next: unknown) => {
    setSaved(false);
    setDraft((current) => {
      const copy = { ...current };
      if (next === undefined || next === '') delete copy[name];
      else copy[name] = next;
      return copy;
    });
  };
  const errorOf = (name: string) => problems.filter((p) => p.field === name || p.field.startsWith(`${name}/`)).map((p) => p.message).join('; ') || undefined;
  const general = problems.filter((p) => !properties.some((q) => p.field === q.name || p.field.startsWith(`${q.name}/`)));

  if (properties.length === 0) return <Text c="dimmed">This plugin takes no configuration.</Text>;
  return (
    <form onSubmit={(event) => void submit(event)} aria-label="Configuration" noValidate>
      <Stack gap="sm">
        {properties.map((property) => (
          <Field key={property.name} property={property} value={draft[property.name]} error={errorOf(property.name)} onChange={(next) => set(property.name, next)} />
        ))}
        {general.length > 0 && (
          <Alert color="red" role="alert">
            {general.map((p) => `${p.field || 'configuration'}: ${p.message}`).join('; ')}
          </Alert>
        )}
        {refusal && (
          <Alert color="red" role="alert" title="The server refused the configuration">
            {refusal}
          </Alert>
        )}
        {saved && (
          <Alert color="green" role="status">
            Configuration saved.
          </Alert>
        )}
        <Button type="submit" loading={saving} w="fit-content">
          Save configuration
        </Button>
      </Stack>
    </form>
  );
}

function withDefaults(properties: Property[], value: Record<string, unknown>): Record<string, unknown> {
  const draft = { ...value };
  for (const p of properties) if (!(p.name in draft) && p.schema.default !== undefined) draft[p.name] = p.schema.default;
  return draft;
}

function Field({ property, value, error, onChange }: { property: Property; value: unknown; error: string | undefined; onChange(next: unknown): void }) {
  const { schema, name, required } = property;
  const label = typeof schema.title === 'string' ? schema.title : name;
  const description = typeof schema.description === 'string' ? schema.description : undefined;
  const common = { label, description, error, required };
  if (Array.isArray(schema.enum)) {
    const options = schema.enum.map((v) => ({ value: JSON.stringify(v), label: String(v) }));
    return <Select {...common} clearable={!required} data={options} value={value === undefined ? null : JSON.stringify(value)} onChange={(v) => onChange(v === null ? undefined : JSON.parse(v))} />;
  }
  if (schema.type === 'boolean') return <Switch label={label} description={description} error={error} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />;
  if (schema.type === 'number' || schema.type === 'integer') {
    return (
      <NumberInput
        {...common}
        min={typeof schema.minimum === 'number' ? schema.minimum : undefined}
        max={typeof schema.maximum === 'number' ? schema.maximum : undefined}
        allowDecimal={schema.type === 'number'}
        clampBehavior="none"
        value={typeof value === 'number' ? value : ''}
        onChange={(v) => onChange(typeof v === 'number' ? v : undefined)}
      />
    );
  }
  if (schema.type === 'string') return <TextInput {...common} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.currentTarget.value)} />;
  return (
    <Text size="sm" c="dimmed">
      {label}: this setting ({String(schema.type ?? 'structured')}) cannot be edited in this form; it keeps its current value.
    </Text>
  );
}
