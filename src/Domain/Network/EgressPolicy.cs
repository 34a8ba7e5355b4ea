using System.Net;

namespace Campaigns.Domain.Network;

/// <summary>
/// Whether outbound requests (webhook deliveries, calls to the voice-agent provider) may go to a host, decided by the
/// addresses it resolves to. The URLs are chosen by tenants or operators, so without this rule a webhook could make
/// the app POST to its own cloud's metadata service or to services on its private network (server-side request
/// forgery).
/// <list type="bullet">
/// <item><see cref="AddressKind.Public"/> addresses are always allowed.</item>
/// <item><see cref="AddressKind.Loopback"/> only with <see cref="AllowLoopback"/> (Development: <c>./run.sh</c> and the
///   tests have their receivers on 127.0.0.1).</item>
/// <item><see cref="AddressKind.PrivateNetwork"/> only with <see cref="AllowPrivateNetworks"/> (a provider inside the
///   deployment's own virtual network).</item>
/// <item>Link-local, cloud metadata, unspecified, multicast and reserved addresses never: nothing a webhook or a voice
///   agent legitimately is lives there.</item>
/// </list>
/// A host is refused when ANY of its addresses is refused, not just skipped: a name whose answers mix public and
/// private addresses is a rebinding attempt or a misconfiguration, and either way the tenant should hear about it.
/// </summary>
public sealed record EgressPolicy(bool AllowLoopback, bool AllowPrivateNetworks)
{
    /// <summary>Public addresses only: the production default.</summary>
    public static readonly EgressPolicy PublicOnly = new(false, false);

    /// <summary>Public and loopback addresses: the Development default.</summary>
    public static readonly EgressPolicy Development = new(true, false);

    /// <summary>Whether an address of this class may be connected to.</summary>
    public bool Allows(AddressClass address) => address.Kind switch
    {
        AddressKind.Public => true,
        AddressKind.Loopback => AllowLoopback,
        AddressKind.PrivateNetwork => AllowPrivateNetworks,
        _ => false,
    };

    /// <summary>
    /// The decision for <paramref name="host"/>, resolved to <paramref name="addresses"/>: allowed with the addresses to
    /// connect to (in the order given), or refused with a reason naming the first refused address and its block. A host
    /// that resolved to nothing is refused.
    /// </summary>
    public EgressDecision Decide(string host, IReadOnlyList<IPAddress> addresses)
    {
        if (addresses.Count == 0)
            return EgressDecision.Refuse($"{host} resolved to no address");
        foreach (var address in addresses)
        {
            var kind = AddressClassifier.Classify(address);
            if (!Allows(kind))
            {
                var named = IPAddress.TryParse(host, out _) ? host : $"{host} resolves to {address}";
                return EgressDecision.Refuse($"{named}, in {kind}, which this deployment does not connect to");
            }
        }
        return EgressDecision.Allow(addresses);
    }

    /// <summary>
    /// The registration-time check of a URL's host as written: a literal IP address refused by this policy, or
    /// <c>localhost</c> (and <c>*.localhost</c>, RFC 6761) without <see cref="AllowLoopback"/>, gives the reason; any other
    /// name gives null (it is checked when a connection is made, against what it resolves to then).
    /// </summary>
    public string? LiteralHostProblem(Uri url)
    {
        var host = url.IdnHost.TrimStart('[').TrimEnd(']');
        if (IPAddress.TryParse(host, out var address))
        {
            var kind = AddressClassifier.Classify(address);
            return Allows(kind) ? null : $"must not point at {host}: {kind} is not reachable from this deployment";
        }
        var name = host.TrimEnd('.').ToLowerInvariant();
        if (!AllowLoopback && (name == "localhost" || name.EndsWith(".localhost", StringComparison.Ordinal)))
            return $"must not point at {host}: loopback is not reachable from this deployment";
        return null;
    }
}

/// <summary>What <see cref="EgressPolicy.Decide"/> says: allowed with the checked addresses to connect to, or refused with why.</summary>
public sealed record EgressDecision(bool Allowed, IReadOnlyList<IPAddress> Addresses, string? Reason)
{
    public static EgressDecision Allow(IReadOnlyList<IPAddress> addresses) => new(true, addresses, null);

    public static EgressDecision Refuse(string reason) => new(false, [], reason);
}
