using System.Net;
using Campaigns.Domain.Network;

namespace Campaigns.Domain.Tests.Network;

public sealed class AddressClassifierTests
{
    private static AddressKind Kind(string address) => AddressClassifier.Classify(IPAddress.Parse(address)).Kind;

    [Theory]
    // 0.0.0.0/8 "this network"
    [InlineData("0.0.0.0", AddressKind.Unspecified)]
    [InlineData("0.255.255.255", AddressKind.Unspecified)]
    [InlineData("1.0.0.0", AddressKind.Public)]
    // 10.0.0.0/8
    [InlineData("9.255.255.255", AddressKind.Public)]
    [InlineData("10.0.0.0", AddressKind.PrivateNetwork)]
    [InlineData("10.0.0.5", AddressKind.PrivateNetwork)]
    [InlineData("10.255.255.255", AddressKind.PrivateNetwork)]
    [InlineData("11.0.0.0", AddressKind.Public)]
    // 100.64.0.0/10 shared address space (CGNAT), with Alibaba's metadata inside it
    [InlineData("100.63.255.255", AddressKind.Public)]
    [InlineData("100.64.0.0", AddressKind.PrivateNetwork)]
    [InlineData("100.127.255.255", AddressKind.PrivateNetwork)]
    [InlineData("100.128.0.0", AddressKind.Public)]
    [InlineData("100.100.100.200", AddressKind.CloudMetadata)]
    // 127.0.0.0/8
    [InlineData("127.0.0.1", AddressKind.Loopback)]
    [InlineData("127.255.255.254", AddressKind.Loopback)]
    [InlineData("128.0.0.0", AddressKind.Public)]
    // 169.254.0.0/16 link-local, metadata inside it
    [InlineData("169.253.255.255", AddressKind.Public)]
    [InlineData("169.254.0.1", AddressKind.LinkLocal)]
    [InlineData("169.254.169.253", AddressKind.LinkLocal)]
    [InlineData("169.254.169.254", AddressKind.CloudMetadata)]
    [InlineData("169.254.255.255", AddressKind.LinkLocal)]
    [InlineData("169.255.0.0", AddressKind.Public)]
    // the Azure wireserver: a public-looking address only the platform answers
    [InlineData("168.63.129.16", AddressKind.CloudMetadata)]
    [InlineData("168.63.129.17", AddressKind.Public)]
    // 172.16.0.0/12
    [InlineData("172.15.255.255", AddressKind.Public)]
    [InlineData("172.16.0.0", AddressKind.PrivateNetwork)]
    [InlineData("172.31.255.255", AddressKind.PrivateNetwork)]
    [InlineData("172.32.0.0", AddressKind.Public)]
    // 192.0.0.0/24, 192.0.2.0/24, 192.88.99.0/24, 192.168.0.0/16
    [InlineData("192.0.0.8", AddressKind.Reserved)]
    [InlineData("192.0.1.1", AddressKind.Public)]
    [InlineData("192.0.2.1", AddressKind.Reserved)]
    [InlineData("192.88.99.1", AddressKind.Reserved)]
    [InlineData("192.167.255.255", AddressKind.Public)]
    [InlineData("192.168.0.0", AddressKind.PrivateNetwork)]
    [InlineData("192.168.255.255", AddressKind.PrivateNetwork)]
    [InlineData("192.169.0.0", AddressKind.Public)]
    // 198.18.0.0/15 benchmarking, 198.51.100.0/24 and 203.0.113.0/24 documentation
    [InlineData("198.17.255.255", AddressKind.Public)]
    [InlineData("198.18.0.0", AddressKind.Reserved)]
    [InlineData("198.19.255.255", AddressKind.Reserved)]
    [InlineData("198.20.0.0", AddressKind.Public)]
    [InlineData("198.51.100.7", AddressKind.Reserved)]
    [InlineData("203.0.113.9", AddressKind.Reserved)]
    [InlineData("203.0.114.0", AddressKind.Public)]
    // 224.0.0.0/4 multicast, 240.0.0.0/4 future use, broadcast
    [InlineData("223.255.255.255", AddressKind.Public)]
    [InlineData("224.0.0.1", AddressKind.Multicast)]
    [InlineData("239.255.255.255", AddressKind.Multicast)]
    [InlineData("240.0.0.1", AddressKind.Reserved)]
    [InlineData("255.255.255.255", AddressKind.Reserved)]
    // ordinary public addresses
    [InlineData("8.8.8.8", AddressKind.Public)]
    [InlineData("93.184.215.14", AddressKind.Public)]
    public void Classify_IPv4_FallsInItsBlock(string address, AddressKind kind) => Assert.Equal(kind, Kind(address));

    [Theory]
    [InlineData("::", AddressKind.Unspecified)]
    [InlineData("::1", AddressKind.Loopback)]
    [InlineData("::2", AddressKind.Reserved)] // IPv4-compatible range (deprecated)
    [InlineData("::127.0.0.1", AddressKind.Reserved)]
    [InlineData("64:ff9b:1::1", AddressKind.PrivateNetwork)]
    [InlineData("100::1", AddressKind.Reserved)]
    [InlineData("2001::1", AddressKind.Reserved)] // Teredo
    [InlineData("2001:2::1", AddressKind.Reserved)] // benchmarking
    [InlineData("2001:1ff:ffff::1", AddressKind.Reserved)]
    [InlineData("2001:200::1", AddressKind.Public)]
    [InlineData("2001:db8::1", AddressKind.Reserved)]
    [InlineData("3fff::1", AddressKind.Reserved)]
    [InlineData("fd00:ec2::254", AddressKind.CloudMetadata)]
    [InlineData("fd00:ec2::253", AddressKind.PrivateNetwork)]
    [InlineData("fc00::1", AddressKind.PrivateNetwork)]
    [InlineData("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressKind.PrivateNetwork)]
    [InlineData("fe80::1", AddressKind.LinkLocal)]
    [InlineData("febf:ffff::1", AddressKind.LinkLocal)]
    [InlineData("fec0::1", AddressKind.PrivateNetwork)]
    [InlineData("ff02::1", AddressKind.Multicast)]
    [InlineData("2606:4700:4700::1111", AddressKind.Public)]
    [InlineData("2a00:1450:4001::1", AddressKind.Public)]
    [InlineData("3ffe:ffff::1", AddressKind.Public)]
    [InlineData("4000::1", AddressKind.Reserved)] // outside 2000::/3
    [InlineData("1::1", AddressKind.Reserved)]
    public void Classify_IPv6_FallsInItsBlock(string address, AddressKind kind) => Assert.Equal(kind, Kind(address));

    [Theory]
    // IPv4-mapped
    [InlineData("::ffff:127.0.0.1", AddressKind.Loopback)]
    [InlineData("::ffff:10.0.0.5", AddressKind.PrivateNetwork)]
    [InlineData("::ffff:100.64.0.1", AddressKind.PrivateNetwork)]
    [InlineData("::ffff:169.254.169.254", AddressKind.CloudMetadata)]
    [InlineData("::ffff:168.63.129.16", AddressKind.CloudMetadata)]
    [InlineData("::ffff:0.0.0.0", AddressKind.Unspecified)]
    [InlineData("::ffff:224.0.0.1", AddressKind.Multicast)]
    [InlineData("::ffff:8.8.8.8", AddressKind.Public)]
    // IPv4-translated (SIIT)
    [InlineData("::ffff:0:7f00:1", AddressKind.Loopback)]
    [InlineData("::ffff:0:808:808", AddressKind.Public)]
    // NAT64 well-known prefix
    [InlineData("64:ff9b::a00:5", AddressKind.PrivateNetwork)]
    [InlineData("64:ff9b::a9fe:a9fe", AddressKind.CloudMetadata)]
    [InlineData("64:ff9b::808:808", AddressKind.Public)]
    // 6to4
    [InlineData("2002:a00:5::1", AddressKind.PrivateNetwork)]
    [InlineData("2002:7f00:1::", AddressKind.Loopback)]
    [InlineData("2002:808:808::1", AddressKind.Public)]
    public void Classify_IPv6EmbeddingIPv4_IsTheIPv4AddressItReaches(string address, AddressKind kind) => Assert.Equal(kind, Kind(address));

    [Fact]
    public void Classify_ScopedLinkLocal_IgnoresTheScope() =>
        Assert.Equal(AddressKind.LinkLocal, AddressClassifier.Classify(IPAddress.Parse("fe80::1%2")).Kind);

    [Fact]
    public void Classify_PrivateAddress_NamesItsBlockAndWhy() =>
        Assert.Equal("10.0.0.0/8 (private network, RFC 1918)", AddressClassifier.Classify(IPAddress.Parse("10.0.0.5")).ToString());

    [Fact]
    public void Classify_MappedAddress_NamesBothForms()
    {
        var text = AddressClassifier.Classify(IPAddress.Parse("::ffff:127.0.0.1")).ToString();
        Assert.Contains("::ffff:0:0/96", text);
        Assert.Contains("127.0.0.0/8", text);
        Assert.Contains("127.0.0.1", text);
    }

    [Fact]
    public void Classify_EveryIPv4Octet_NeverThrowsAndIsPublicOutsideTheSpecialBlocks()
    {
        // One address in every /8: the special ones are exactly the /8s the registry reserves whole or in part.
        var special = new HashSet<int> { 0, 10, 100, 127, 168, 169, 172, 192, 198, 203 };
        for (var first = 0; first < 224; first++)
        {
            var kind = Kind($"{first}.64.1.1");
            if (!special.Contains(first))
                Assert.True(kind == AddressKind.Public, $"{first}.64.1.1 is {kind}");
        }
    }
}
