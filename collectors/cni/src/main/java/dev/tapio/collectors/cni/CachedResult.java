package dev.tapio.collectors.cni;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One entry of the CNI result cache, as libcni (the runtime's side of CNI: containerd, CRI-O, Podman)
 * writes it after a successful ADD to {@code /var/lib/cni/results/<network>-<containerId>-<ifName>}:
 *
 * <pre>
 * {"kind":"cniCacheV1","containerId":"…","ifName":"eth0","networkName":"…","netns":"/var/run/netns/…",
 *  "cniArgs":[["K8S_POD_NAMESPACE","shop"],["K8S_POD_NAME","web-1"],["K8S_POD_UID","…"],…],
 *  "config":"base64…",
 *  "result":{"cniVersion":"1.0.0","interfaces":[{"name":"cni0","mac":"…"},{"name":"eth0","mac":"…","sandbox":"…"}],
 *            "ips":[{"interface":1,"address":"10.22.0.5/16","gateway":"10.22.0.1"}],…}}
 * </pre>
 *
 * Only what the events carry is kept: for the IP asked about, its address with prefix, gateway and the
 * interface (name, MAC, sandbox) it is on, and the Kubernetes pod from {@code cniArgs} when the runtime
 * passed it. Fields are empty strings when absent. Immutable.
 */
public record CachedResult(
    String containerId, String ifName, String networkName, String netns, String address, String gateway,
    String interfaceName, String mac, String sandbox, String podNamespace, String podName, String podUid)
{
    /** The file does not hold a CNI result cache entry; the message says why. */
    public static final class MalformedException extends Exception
    {
        private static final long serialVersionUID = 1L;

        MalformedException(final String message)
        {
            super(message);
        }
    }

    /**
     * Parses an entry and picks the IP {@code ip} (without prefix) out of its result; when the result
     * does not list that IP the address, gateway and interface fields are empty.
     */
    public static CachedResult parse(final ObjectMapper mapper, final byte[] json, final String ip)
        throws MalformedException
    {
        final JsonNode root;
        try
        {
            root = mapper.readTree(json);
        }
        catch (final JacksonException e)
        {
            throw new MalformedException("not JSON: " + e.getOriginalMessage());
        }
        catch (final java.io.IOException e)
        {
            throw new MalformedException("unreadable: " + e.getMessage());
        }
        if (root == null || !root.isObject())
        {
            throw new MalformedException("not a JSON object");
        }
        final JsonNode kind = root.get("kind");
        if (kind != null && !kind.isNull() && !"cniCacheV1".equals(kind.asText()))
        {
            throw new MalformedException("unknown cache kind \"" + kind.asText() + "\" (expected cniCacheV1)");
        }
        final String containerId = text(root, "containerId");
        if (containerId.isEmpty())
        {
            throw new MalformedException("no containerId");
        }
        String ns = "";
        String pod = "";
        String uid = "";
        final JsonNode args = root.get("cniArgs");
        if (args != null && args.isArray())
        {
            for (final JsonNode pair : args)
            {
                if (pair.isArray() && pair.size() == 2)
                {
                    final String k = pair.get(0).asText();
                    final String v = pair.get(1).asText();
                    switch (k)
                    {
                        case "K8S_POD_NAMESPACE" -> ns = v;
                        case "K8S_POD_NAME" -> pod = v;
                        case "K8S_POD_UID" -> uid = v;
                        default -> { }
                    }
                }
            }
        }
        String address = "";
        String gateway = "";
        String ifaceName = "";
        String mac = "";
        String sandbox = "";
        final JsonNode result = root.get("result");
        if (result != null && !result.isNull())
        {
            if (!result.isObject())
            {
                throw new MalformedException("\"result\" is not an object");
            }
            final JsonNode ips = result.get("ips");
            final JsonNode interfaces = result.get("interfaces");
            if (ips != null && ips.isArray())
            {
                for (final JsonNode entry : ips)
                {
                    final String a = text(entry, "address");
                    final int slash = a.indexOf('/');
                    final String bare = slash < 0 ? a : a.substring(0, slash);
                    if (!bare.equalsIgnoreCase(ip))
                    {
                        continue;
                    }
                    address = a;
                    gateway = text(entry, "gateway");
                    final JsonNode index = entry.get("interface");
                    if (index != null && index.canConvertToInt() && interfaces != null && interfaces.isArray() &&
                        index.asInt() >= 0 && index.asInt() < interfaces.size())
                    {
                        final JsonNode iface = interfaces.get(index.asInt());
                        ifaceName = text(iface, "name");
                        mac = text(iface, "mac");
                        sandbox = text(iface, "sandbox");
                    }
                    break;
                }
            }
        }
        return new CachedResult(containerId, text(root, "ifName"), text(root, "networkName"), text(root, "netns"),
            address, gateway, ifaceName, mac, sandbox, ns, pod, uid);
    }

    private static String text(final JsonNode node, final String field)
    {
        final JsonNode v = node == null ? null : node.get(field);
        return v == null || v.isNull() || v.isContainerNode() ? "" : v.asText();
    }
}
