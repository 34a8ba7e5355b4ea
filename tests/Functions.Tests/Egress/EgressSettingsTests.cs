using Campaigns.Domain.Network;
using Campaigns.Functions.Network;
using Microsoft.Extensions.Configuration;

namespace Campaigns.Functions.Tests.Egress;

/// <summary>How the settings and the environment make the egress policy.</summary>
public sealed class EgressSettingsTests
{
    private static EgressPolicy Policy(string? hostEnvironment, params (string Key, string Value)[] settings) =>
        EgressOptions.PolicyFrom(
            new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build(),
            hostEnvironment);

    [Fact]
    public void PolicyFrom_NothingSet_IsPublicOnly() => Assert.Equal(EgressPolicy.PublicOnly, Policy(null));

    [Fact]
    public void PolicyFrom_ProductionHost_IsPublicOnly() => Assert.Equal(EgressPolicy.PublicOnly, Policy("Production"));

    [Fact]
    public void PolicyFrom_FunctionsEnvironmentDevelopment_AllowsLoopbackOnly() =>
        Assert.Equal(EgressPolicy.Development, Policy("Production", ("AZURE_FUNCTIONS_ENVIRONMENT", "Development")));

    [Fact]
    public void PolicyFrom_HostEnvironmentDevelopmentWithoutTheFunctionsSetting_AllowsLoopback() =>
        Assert.Equal(EgressPolicy.Development, Policy("Development"));

    [Fact]
    public void PolicyFrom_FunctionsEnvironmentProduction_WinsOverTheHostEnvironment() =>
        Assert.Equal(EgressPolicy.PublicOnly, Policy("Development", ("AZURE_FUNCTIONS_ENVIRONMENT", "Production")));

    [Fact]
    public void PolicyFrom_AllowLoopbackFalseInDevelopment_RefusesLoopback() =>
        Assert.Equal(EgressPolicy.PublicOnly, Policy(null, ("AZURE_FUNCTIONS_ENVIRONMENT", "Development"), ("Egress:AllowLoopback", "false")));

    [Fact]
    public void PolicyFrom_AllowLoopbackTrueInProduction_AllowsLoopback() =>
        Assert.Equal(new EgressPolicy(true, false), Policy("Production", ("Egress:AllowLoopback", "true")));

    [Fact]
    public void PolicyFrom_AllowPrivateNetworks_AllowsThemAndNotLoopback() =>
        Assert.Equal(new EgressPolicy(false, true), Policy(null, ("Egress:AllowPrivateNetworks", "true")));
}
