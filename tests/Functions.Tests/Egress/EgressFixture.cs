using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Campaigns.Functions.Network;
using Campaigns.Functions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Campaigns.Functions.Tests.Egress;

/// <summary>
/// The app as a production deployment runs it (<c>AZURE_FUNCTIONS_ENVIRONMENT=Production</c>, no egress setting), with a
/// resolver whose answers the test chooses and a connector that records every socket the app asks for instead of
/// opening it: no traffic goes to a private range or the internet. A connection to <see cref="PublicAddress"/> is
/// carried to a loopback receiver on the same port, so a delivery the policy allows still arrives somewhere real.
/// http is allowed (the receivers speak plain HTTP) and the voice agent's URL names a host the resolver answers.
/// </summary>
public sealed class EgressFixture() : AppFixture(new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero), new()
{
    ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production",
    ["Webhooks:AllowHttp"] = "true",
    ["VoiceAgent:Url"] = "http://agent.provider.example/calls",
    ["VoiceAgent:CallbackBaseUrl"] = "https://campaigns.example.test",
    ["Events:MaxDelaySeconds"] = "1",
})
{
    /// <summary>A public address (example.com's); the recording connector carries connections to it to 127.0.0.1.</summary>
    public static readonly IPAddress PublicAddress = IPAddress.Parse("93.184.215.14");

    public FakeResolver Resolver { get; } = new();

    public RecordingConnector Connector { get; } = new();

    protected override void ConfigureWorker(IServiceCollection services)
    {
        services.AddSingleton<IHostResolver>(Resolver);
        services.AddSingleton<ISocketConnector>(Connector);
    }
}

[CollectionDefinition(Name)]
public sealed class EgressCollection : ICollectionFixture<EgressFixture>
{
    public const string Name = "egress";
}

/// <summary>Answers names from <see cref="Answers"/> (an unknown name is "host not found"), and records every lookup.</summary>
public sealed class FakeResolver : IHostResolver
{
    public ConcurrentDictionary<string, IPAddress[]> Answers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ConcurrentQueue<string> Lookups { get; } = new();

    public void Answer(string host, params string[] addresses) => Answers[host] = addresses.Select(IPAddress.Parse).ToArray();

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        Lookups.Enqueue(host);
        return Answers.TryGetValue(host, out var addresses) ? Task.FromResult(addresses) : throw new SocketException((int)SocketError.HostNotFound);
    }
}

/// <summary>
/// Records every endpoint the app asks to connect to. Only <see cref="EgressFixture.PublicAddress"/> is connected,
/// to 127.0.0.1 on the same port; anything else is refused without a socket (and would show in <see cref="Attempts"/>).
/// </summary>
public sealed class RecordingConnector : ISocketConnector
{
    private readonly TcpSocketConnector _sockets = new();

    public ConcurrentQueue<IPEndPoint> Attempts { get; } = new();

    public async ValueTask<Stream> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        Attempts.Enqueue(endpoint);
        if (!endpoint.Address.Equals(EgressFixture.PublicAddress))
            throw new SocketException((int)SocketError.ConnectionRefused);
        return await _sockets.ConnectAsync(new IPEndPoint(IPAddress.Loopback, endpoint.Port), cancellationToken);
    }
}
