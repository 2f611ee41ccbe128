import { propagation, trace } from '@opentelemetry/api';
import type { GatewayConfig } from './config/schema.js';

/** Packages the OTLP exporter needs; optional, installed by whoever enables it. */
const PACKAGES = ['@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/core', '@opentelemetry/resources'] as const;

/** A registered tracer provider with its exporter, flushed on shutdown. */
export interface OtlpTracing {
  shutdown(): Promise<void>;
}

/**
 * Register a global tracer provider that batches spans to an OTLP/HTTP collector
 * (`tracing.otlp_endpoint`), with the W3C trace-context propagator. The OpenTelemetry SDK
 * packages are loaded only here, only when enabled; missing ones are named in the error.
 *
 * @example const otlp = await startOtlpTracing(config.tracing); // …; await otlp?.shutdown()
 */
export async function startOtlpTracing(tracing: GatewayConfig['tracing']): Promise<OtlpTracing | undefined> {
  if (!tracing.enabled || !tracing.otlp_endpoint) return undefined;
  let mods: any[];
  try {
    mods = (await Promise.all(PACKAGES.map((name) => import(name)))) as never;
  } catch (err) {
    throw new Error(`tracing.otlp_endpoint is set but the OpenTelemetry SDK is not installed: npm install ${PACKAGES.join(' ')} (${(err as Error).message})`, {
      cause: err,
    });
  }
  const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { W3CTraceContextPropagator }, resources] = mods;
  const exporter = new OTLPTraceExporter({ url: tracing.otlp_endpoint, headers: parseHeaders(tracing.otlp_headers) });
  const resource = resources.resourceFromAttributes
    ? resources.resourceFromAttributes({ 'service.name': tracing.service_name })
    : new resources.Resource({ 'service.name': tracing.service_name });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
    },
  };
}

/** `key=value,key2=value2` (the OTEL_EXPORTER_OTLP_HEADERS form). */
function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const i = pair.indexOf('=');
    if (i > 0) out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
  }
  return out;
}
