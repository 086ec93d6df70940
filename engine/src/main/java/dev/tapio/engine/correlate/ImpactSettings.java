package dev.tapio.engine.correlate;

import java.util.Map;

/**
 * What the operator says about namespaces and services: how critical each is (0..1), which are
 * customer facing, which have SLOs. A group's business impact is its pattern's impact times the
 * criticality of its service (else its namespace, else the default). Immutable.
 */
public final class ImpactSettings
{
    /** Criticality, customer facing and SLO flags of one namespace or service. */
    public static final class Entry
    {
        final float criticality;
        final boolean customerFacing;
        final boolean slo;

        public Entry(final float criticality, final boolean customerFacing, final boolean slo)
        {
            this.criticality = criticality;
            this.customerFacing = customerFacing;
            this.slo = slo;
        }
    }

    static final ImpactSettings NONE = new ImpactSettings(1.0f, Map.of(), Map.of());

    final float defaultCriticality;
    final Map<String, Entry> namespaces;
    final Map<String, Entry> services;

    public ImpactSettings(final float defaultCriticality, final Map<String, Entry> namespaces, final Map<String, Entry> services)
    {
        this.defaultCriticality = defaultCriticality;
        this.namespaces = Map.copyOf(namespaces);
        this.services = Map.copyOf(services);
    }
}
