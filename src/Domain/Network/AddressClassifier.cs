using System.Net;
using System.Net.Sockets;

namespace Campaigns.Domain.Network;

/// <summary>What kind of network an IP address belongs to, as far as outbound requests are concerned.</summary>
public enum AddressKind
{
    /// <summary>A globally reachable unicast address: the only kind a production deployment connects to.</summary>
    Public,

    /// <summary>This host: 127.0.0.0/8, ::1.</summary>
    Loopback,

    /// <summary>A private network: RFC 1918, shared address space (CGNAT, 100.64.0.0/10), IPv6 unique-local and site-local, local-use NAT64.</summary>
    PrivateNetwork,

    /// <summary>Link-local: 169.254.0.0/16, fe80::/10 (no router in between: cloud platforms put their services there).</summary>
    LinkLocal,

    /// <summary>A cloud platform's metadata or control endpoint (instance credentials live behind these).</summary>
    CloudMetadata,

    /// <summary>"This network" / unspecified: 0.0.0.0/8, ::/128 (on Linux a connection to 0.0.0.0 reaches this host).</summary>
    Unspecified,

    /// <summary>Multicast: 224.0.0.0/4, ff00::/8.</summary>
    Multicast,

    /// <summary>Anything else no public service lives at: documentation, benchmarking, protocol assignments, future use, broadcast, IPv6 outside 2000::/3.</summary>
    Reserved,
}

/// <summary>An address's kind, with the block it falls in and what that block is, for messages (<c>10.0.0.0/8 (private network, RFC 1918)</c>).</summary>
public sealed record AddressClass(AddressKind Kind, string Block, string Description)
{
    public override string ToString() => $"{Block} ({Description})";
}

/// <summary>
/// Classifies IP addresses by the IANA special-purpose registries (RFC 6890 and its updates) plus the cloud metadata
/// endpoints: 169.254.169.254 (AWS, Azure IMDS, GCP, Oracle), fd00:ec2::254 (AWS over IPv6), 168.63.129.16 (the Azure
/// wireserver, a public-looking address only the platform answers) and 100.100.100.200 (Alibaba Cloud). An IPv6 address
/// that embeds an IPv4 address (IPv4-mapped <c>::ffff:a.b.c.d</c>, IPv4-translated <c>::ffff:0:a.b.c.d</c>, NAT64
/// <c>64:ff9b::a.b.c.d</c>, 6to4 <c>2002:AABB:CCDD::</c>) is classified as the IPv4 address it reaches, so
/// <c>::ffff:127.0.0.1</c> is loopback. Deprecated forms that could smuggle one (IPv4-compatible <c>::a.b.c.d</c>,
/// Teredo) are <see cref="AddressKind.Reserved"/>. Pure: no DNS, no sockets.
/// </summary>
public static class AddressClassifier
{
    private sealed record Block(byte[] Prefix, int Length, AddressKind Kind, string Text, string Description)
    {
        public bool Contains(ReadOnlySpan<byte> address)
        {
            var whole = Length / 8;
            if (!address[..whole].SequenceEqual(Prefix.AsSpan(0, whole)))
                return false;
            var rest = Length % 8;
            if (rest == 0)
                return true;
            var mask = (byte)(0xFF << (8 - rest));
            return (address[whole] & mask) == (Prefix[whole] & mask);
        }
    }

    private static Block V4(string cidr, AddressKind kind, string description) => Parse(cidr, kind, description);

    private static Block V6(string cidr, AddressKind kind, string description) => Parse(cidr, kind, description);

    private static Block Parse(string cidr, AddressKind kind, string description)
    {
        var slash = cidr.IndexOf('/');
        return new Block(IPAddress.Parse(cidr[..slash]).GetAddressBytes(), int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture),
            kind, cidr, description);
    }

    // First match wins: the single metadata addresses come before the blocks that hold them.
    private static readonly Block[] V4Blocks =
    [
        V4("169.254.169.254/32", AddressKind.CloudMetadata, "cloud instance metadata service"),
        V4("168.63.129.16/32", AddressKind.CloudMetadata, "Azure wireserver"),
        V4("100.100.100.200/32", AddressKind.CloudMetadata, "Alibaba Cloud metadata service"),
        V4("0.0.0.0/8", AddressKind.Unspecified, "\"this network\", RFC 791"),
        V4("10.0.0.0/8", AddressKind.PrivateNetwork, "private network, RFC 1918"),
        V4("100.64.0.0/10", AddressKind.PrivateNetwork, "shared address space (carrier-grade NAT), RFC 6598"),
        V4("127.0.0.0/8", AddressKind.Loopback, "loopback, RFC 1122"),
        V4("169.254.0.0/16", AddressKind.LinkLocal, "link-local, RFC 3927"),
        V4("172.16.0.0/12", AddressKind.PrivateNetwork, "private network, RFC 1918"),
        V4("192.0.0.0/24", AddressKind.Reserved, "IETF protocol assignments, RFC 6890"),
        V4("192.0.2.0/24", AddressKind.Reserved, "documentation (TEST-NET-1), RFC 5737"),
        V4("192.88.99.0/24", AddressKind.Reserved, "6to4 relay anycast (deprecated), RFC 7526"),
        V4("192.168.0.0/16", AddressKind.PrivateNetwork, "private network, RFC 1918"),
        V4("198.18.0.0/15", AddressKind.Reserved, "benchmarking, RFC 2544"),
        V4("198.51.100.0/24", AddressKind.Reserved, "documentation (TEST-NET-2), RFC 5737"),
        V4("203.0.113.0/24", AddressKind.Reserved, "documentation (TEST-NET-3), RFC 5737"),
        V4("224.0.0.0/4", AddressKind.Multicast, "multicast, RFC 5771"),
        V4("255.255.255.255/32", AddressKind.Reserved, "limited broadcast, RFC 919"),
        V4("240.0.0.0/4", AddressKind.Reserved, "reserved for future use, RFC 1112"),
    ];

    private static readonly Block[] V6Blocks =
    [
        V6("::/128", AddressKind.Unspecified, "unspecified, RFC 4291"),
        V6("::1/128", AddressKind.Loopback, "loopback, RFC 4291"),
        V6("::/96", AddressKind.Reserved, "IPv4-compatible (deprecated), RFC 4291"),
        V6("64:ff9b:1::/48", AddressKind.PrivateNetwork, "local-use NAT64, RFC 8215"),
        V6("100::/64", AddressKind.Reserved, "discard-only, RFC 6666"),
        V6("2001:db8::/32", AddressKind.Reserved, "documentation, RFC 3849"),
        V6("2001::/23", AddressKind.Reserved, "IETF protocol assignments (Teredo, benchmarking, ORCHID), RFC 2928"),
        V6("3fff::/20", AddressKind.Reserved, "documentation, RFC 9637"),
        V6("fd00:ec2::254/128", AddressKind.CloudMetadata, "AWS instance metadata service (IPv6)"),
        V6("fc00::/7", AddressKind.PrivateNetwork, "unique local, RFC 4193"),
        V6("fe80::/10", AddressKind.LinkLocal, "link-local, RFC 4291"),
        V6("fec0::/10", AddressKind.PrivateNetwork, "site-local (deprecated), RFC 3879"),
        V6("ff00::/8", AddressKind.Multicast, "multicast, RFC 4291"),
        V6("2000::/3", AddressKind.Public, "global unicast"),
        V6("::/0", AddressKind.Reserved, "not global unicast (outside 2000::/3)"),
    ];

    // IPv6 forms that carry an IPv4 address: the block, and where the four bytes sit.
    private static readonly (Block Block, int Offset)[] Embedding =
    [
        (V6("::ffff:0:0/96", AddressKind.Public, "IPv4-mapped"), 12),
        (V6("::ffff:0:0:0/96", AddressKind.Public, "IPv4-translated"), 12),
        (V6("64:ff9b::/96", AddressKind.Public, "NAT64"), 12),
        (V6("2002::/16", AddressKind.Public, "6to4"), 2),
    ];

    private static readonly AddressClass PublicV4 = new(AddressKind.Public, "IPv4", "public");

    /// <summary>The kind of <paramref name="address"/> (IPv4 or IPv6; an IPv6 scope id is ignored).</summary>
    public static AddressClass Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
            throw new ArgumentException("not an IP address", nameof(address));
        bytes = bytes[..written];
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return ClassifyV4(bytes);

        foreach (var (block, offset) in Embedding)
        {
            if (!block.Contains(bytes))
                continue;
            var inner = ClassifyV4(bytes.Slice(offset, 4));
            var embedded = new IPAddress(bytes.Slice(offset, 4));
            return inner.Kind == AddressKind.Public
                ? new AddressClass(AddressKind.Public, block.Text, $"{block.Description} of public {embedded}")
                : new AddressClass(inner.Kind, $"{block.Text} + {inner.Block}", $"{block.Description} {embedded}: {inner.Description}");
        }
        foreach (var block in V6Blocks)
        {
            if (block.Contains(bytes))
                return new AddressClass(block.Kind, block.Text, block.Description);
        }
        throw new InvalidOperationException("unreachable: ::/0 matches every IPv6 address");
    }

    private static AddressClass ClassifyV4(ReadOnlySpan<byte> bytes)
    {
        foreach (var block in V4Blocks)
        {
            if (block.Contains(bytes))
                return new AddressClass(block.Kind, block.Text, block.Description);
        }
        return PublicV4;
    }
}
