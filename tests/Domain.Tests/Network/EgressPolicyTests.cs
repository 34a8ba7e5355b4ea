using System.Net;
using Campaigns.Domain.Network;

namespace Campaigns.Domain.Tests.Network;

public sealed class EgressPolicyTests
{
    private static IPAddress[] Addresses(params string[] addresses) => addresses.Select(IPAddress.Parse).ToArray();

    [Fact]
    public void Decide_OnlyPublicAddresses_AllowsThemInTheResolversOrder()
    {
        var decision = EgressPolicy.PublicOnly.Decide("hooks.example.com", Addresses("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"));
        Assert.True(decision.Allowed);
        Assert.Equal(Addresses("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"), decision.Addresses);
        Assert.Null(decision.Reason);
    }

    [Fact]
    public void Decide_OnePrivateAmongPublicAddresses_RefusesTheWholeHostNamingThatAddress()
    {
        var decision = EgressPolicy.PublicOnly.Decide("hooks.example.com", Addresses("93.184.215.14", "10.0.0.5"));
        Assert.False(decision.Allowed);
        Assert.Empty(decision.Addresses);
        Assert.Contains("hooks.example.com resolves to 10.0.0.5", decision.Reason);
        Assert.Contains("10.0.0.0/8 (private network, RFC 1918)", decision.Reason);
    }

    [Fact]
    public void Decide_NoAddress_IsRefused() => Assert.False(EgressPolicy.PublicOnly.Decide("nowhere.example", []).Allowed);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Decide_LoopbackOutsideDevelopment_IsRefused(string address) =>
        Assert.False(EgressPolicy.PublicOnly.Decide("name.example", Addresses(address)).Allowed);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Decide_LoopbackInDevelopment_IsAllowed(string address) =>
        Assert.True(EgressPolicy.Development.Decide("localhost", Addresses(address)).Allowed);

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("172.20.1.1")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("fd12:3456::1")]
    public void Decide_PrivateNetwork_IsAllowedOnlyWhenPrivateNetworksAre(string address)
    {
        Assert.False(EgressPolicy.PublicOnly.Decide("agent.internal", Addresses(address)).Allowed);
        Assert.False(EgressPolicy.Development.Decide("agent.internal", Addresses(address)).Allowed);
        Assert.True(new EgressPolicy(AllowLoopback: false, AllowPrivateNetworks: true).Decide("agent.internal", Addresses(address)).Allowed);
    }

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("fd00:ec2::254")]
    [InlineData("168.63.129.16")]
    [InlineData("100.100.100.200")]
    [InlineData("169.254.10.10")]
    [InlineData("fe80::1")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("224.0.0.251")]
    [InlineData("ff02::fb")]
    [InlineData("192.0.2.10")]
    [InlineData("240.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    public void Decide_MetadataLinkLocalAndReserved_AreRefusedWhateverTheSettings(string address) =>
        Assert.False(new EgressPolicy(AllowLoopback: true, AllowPrivateNetworks: true).Decide("x.example", Addresses(address)).Allowed);

    [Fact]
    public void Decide_LiteralAddressHost_NamesTheAddressOnce()
    {
        var reason = EgressPolicy.PublicOnly.Decide("169.254.169.254", Addresses("169.254.169.254")).Reason!;
        Assert.StartsWith("169.254.169.254, in 169.254.169.254/32 (cloud instance metadata service)", reason);
    }

    [Theory]
    [InlineData("https://localhost/hooks")]
    [InlineData("https://LOCALHOST./hooks")]
    [InlineData("https://api.localhost/hooks")]
    [InlineData("https://127.0.0.1/hooks")]
    [InlineData("https://[::1]/hooks")]
    [InlineData("https://2130706433/hooks")] // 127.0.0.1 written as one number
    [InlineData("https://0x7f.1/hooks")]
    [InlineData("https://10.0.0.5/hooks")]
    [InlineData("https://[::ffff:10.0.0.5]/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://[fe80::1%25eth0]/hooks")]
    public void LiteralHostProblem_NonPublicLiteralOrLocalhost_IsNamedOutsideDevelopment(string url) =>
        Assert.NotNull(EgressPolicy.PublicOnly.LiteralHostProblem(new Uri(url)));

    [Theory]
    [InlineData("https://localhost/hooks")]
    [InlineData("https://127.0.0.1:7071/hooks")]
    [InlineData("https://[::1]/hooks")]
    public void LiteralHostProblem_LoopbackInDevelopment_IsNone(string url) => Assert.Null(EgressPolicy.Development.LiteralHostProblem(new Uri(url)));

    [Theory]
    [InlineData("https://hooks.example.com/x")]
    [InlineData("https://metadata.google.internal/x")] // a name: refused when it resolves to 169.254.169.254 at connect time
    [InlineData("https://93.184.215.14/x")]
    [InlineData("https://[2606:4700:4700::1111]/x")]
    public void LiteralHostProblem_NameOrPublicAddress_IsNone(string url) => Assert.Null(EgressPolicy.PublicOnly.LiteralHostProblem(new Uri(url)));
}
