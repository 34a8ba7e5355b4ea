using Campaigns.Domain.Network;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Campaigns.Functions.Network;

/// <summary>
/// Settings of outbound connections (section <c>Egress</c>): which non-public addresses webhooks and the HTTP voice agent
/// may reach. Neither is needed in Azure, where both stay off.
/// </summary>
internal sealed class EgressOptions
{
    /// <summary>
    /// <c>Egress__AllowLoopback</c>: connect to 127.0.0.0/8 and ::1 (and accept <c>localhost</c> webhook URLs). Unset: on in
    /// the Development environment only (see <see cref="IsDevelopment"/>), so <c>./run.sh</c> and the tests, whose receivers
    /// listen on 127.0.0.1, work, and a deployment never reaches services on its own host.
    /// </summary>
    public bool? AllowLoopback { get; set; }

    /// <summary>
    /// <c>Egress__AllowPrivateNetworks</c> (default false): connect to private networks (RFC 1918, carrier-grade NAT,
    /// IPv6 unique-local), for a provider inside the deployment's own virtual network. Link-local and cloud metadata
    /// addresses stay refused whatever this says.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>
    /// Development is <c>AZURE_FUNCTIONS_ENVIRONMENT=Development</c> (the Functions host's setting: Core Tools and
    /// <c>./run.sh</c> set it, Azure leaves it unset, which means Production), or, when that is unset, the worker's
    /// host environment (<c>DOTNET_ENVIRONMENT</c>).
    /// </summary>
    public static bool IsDevelopment(IConfiguration configuration, string? hostEnvironment) =>
        string.Equals(configuration["AZURE_FUNCTIONS_ENVIRONMENT"] ?? hostEnvironment, Environments.Development, StringComparison.OrdinalIgnoreCase);

    /// <summary>The policy the settings and the environment make.</summary>
    public static EgressPolicy PolicyFrom(IConfiguration configuration, string? hostEnvironment)
    {
        var options = new EgressOptions();
        configuration.GetSection("Egress").Bind(options);
        return new EgressPolicy(options.AllowLoopback ?? IsDevelopment(configuration, hostEnvironment), options.AllowPrivateNetworks);
    }
}

/// <summary>Registers the egress policy and the guarded connect step that outbound HTTP clients use.</summary>
internal static class EgressServices
{
    public static IServiceCollection AddEgressGuard(this IServiceCollection services)
    {
        services.AddSingleton(sp => EgressOptions.PolicyFrom(sp.GetRequiredService<IConfiguration>(), sp.GetService<IHostEnvironment>()?.EnvironmentName));
        services.TryAddSingleton<IHostResolver, DnsHostResolver>();
        services.TryAddSingleton<ISocketConnector, TcpSocketConnector>();
        services.AddSingleton<EgressGuard>();
        return services;
    }

    /// <summary>Makes the client's primary handler a <see cref="SocketsHttpHandler"/> whose connections <see cref="EgressGuard"/> checks.</summary>
    public static IHttpClientBuilder UseEgressGuard(this IHttpClientBuilder builder, Action<SocketsHttpHandler>? configure = null) =>
        builder.ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<EgressGuard>().CreateHandler(configure));
}
