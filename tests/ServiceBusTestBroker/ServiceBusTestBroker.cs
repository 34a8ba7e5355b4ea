using System.Net;
using System.Net.Sockets;
using Amqp;
using Amqp.Listener;
using Amqp.Sasl;
using Amqp.Types;
using Campaigns.Testing.ServiceBus.Amqp;
using Campaigns.Testing.ServiceBus.Entities;

namespace Campaigns.Testing.ServiceBus;

/// <summary>
/// An AMQP 1.0 server on a loopback port that answers the unchanged Azure.Messaging.ServiceBus SDK as Service Bus
/// does, for what this project uses (see README.md beside this file for what it does and does not emulate).
/// Declare entities, start it, and hand <see cref="ConnectionString"/> to a <c>ServiceBusClient</c>:
/// <code>
/// using var broker = new ServiceBusTestBroker();
/// broker.AddQueue("results", maxDeliveryCount: 5);
/// broker.AddTopic("campaign-events", duplicateDetectionWindow: TimeSpan.FromMinutes(10)).AddSubscription("all");
/// broker.Start();
/// await using var client = new ServiceBusClient(broker.ConnectionString);
/// </code>
/// Messages live in this object, not in the server: <see cref="Stop"/> closes every connection (locked messages go
/// back to their queues) and <see cref="Start"/> listens again on the same port with everything that was stored.
/// </summary>
public sealed class ServiceBusTestBroker : IDisposable
{
    /// <summary>The key name Service Bus gives a namespace's root rule, which connection strings usually carry.</summary>
    public const string DefaultKeyName = "RootManageSharedAccessKey";

    /// <summary>A key for tests; any string works, as long as the client signs with the same one.</summary>
    public const string DefaultKey = "VGVzdEJyb2tlcktleS1ub3QtYS1zZWNyZXQtMTIzNDU=";

    private static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(50);

    private readonly object _gate = new();
    private readonly EntityRegistry _entities;
    private readonly ManagementNode _management;
    private readonly BrokerLinkProcessor _links;
    private readonly TimeProvider _time;
    private ContainerHost? _host;
    private BrokerRun _run = BrokerRun.Stopped();
    private ITimer? _sweep;

    /// <param name="port">The loopback port to listen on; 0 picks a free one, kept across <see cref="Stop"/> and <see cref="Start"/>.</param>
    /// <param name="keyName">The SAS key name tokens must name.</param>
    /// <param name="key">The SAS key tokens must be signed with.</param>
    /// <param name="maxMessageSize">Told to every link as max-message-size (the SDK sizes batches by it); Standard tier's 256 KB by default.</param>
    /// <param name="timeProvider">The broker's clock: lock expiry, enqueued times, token expiry, duplicate windows.</param>
    public ServiceBusTestBroker(
        int port = 0,
        string keyName = DefaultKeyName,
        string key = DefaultKey,
        int maxMessageSize = 256 * 1024,
        TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentException.ThrowIfNullOrEmpty(keyName);
        ArgumentException.ThrowIfNullOrEmpty(key);
        Port = port == 0 ? FreeLoopbackPort() : port;
        KeyName = keyName;
        Key = key;
        _time = timeProvider ?? TimeProvider.System;
        _entities = new EntityRegistry(_time);
        _management = new ManagementNode(_entities);
        var authorizations = new ConnectionAuthorizations(_time);
        var cbs = new CbsNode(new SasTokenValidator(keyName, key, _time), authorizations);
        _links = new BrokerLinkProcessor(_entities, authorizations, cbs, _management, maxMessageSize);
    }

    public int Port { get; }

    public string KeyName { get; }

    public string Key { get; }

    /// <summary>For <c>new ServiceBusClient(...)</c>; UseDevelopmentEmulator=true makes the SDK connect without TLS.</summary>
    public string ConnectionString => ConnectionStringWith(KeyName, Key);

    public bool IsRunning
    {
        get
        {
            lock (_gate)
                return _host is not null;
        }
    }

    /// <summary>Every <c>$management</c> operation the SDK asked for, in order (e.g. <c>com.microsoft:renew-lock</c>).</summary>
    public IReadOnlyList<string> ManagementOperations => _management.Journal.ToArray();

    /// <summary>A connection string to this broker with other credentials, to see them refused.</summary>
    public string ConnectionStringWith(string keyName, string key) =>
        $"Endpoint=sb://127.0.0.1:{Port};SharedAccessKeyName={keyName};SharedAccessKey={key};UseDevelopmentEmulator=true";

    /// <summary>Declares a queue (and its <c>NAME/$DeadLetterQueue</c>).</summary>
    /// <param name="name">The queue's name, e.g. <c>results</c>.</param>
    /// <param name="maxDeliveryCount">Deliveries after which an unsettled message goes to the dead-letter queue.</param>
    /// <param name="lockDuration">How long a peek-lock lasts; 60 s when not given.</param>
    /// <param name="duplicateDetectionWindow">Null: off. Otherwise a MessageId seen within the window is accepted and dropped.</param>
    public void AddQueue(string name, int maxDeliveryCount = 10, TimeSpan? lockDuration = null, TimeSpan? duplicateDetectionWindow = null) =>
        _entities.AddQueue(name, QueueSettings.Create(maxDeliveryCount, lockDuration), duplicateDetectionWindow);

    /// <summary>Declares a topic; add its subscriptions on the result.</summary>
    public TopicDeclaration AddTopic(string name, TimeSpan? duplicateDetectionWindow = null) =>
        new(_entities, _entities.AddTopic(name, duplicateDetectionWindow));

    /// <summary>Messages held by a queue, subscription (<c>topic/Subscriptions/name</c>) or dead-letter queue (<c>.../$DeadLetterQueue</c>).</summary>
    public MessageCounts CountMessages(string entityPath) =>
        (_entities.FindSource(entityPath) ?? throw new ArgumentException($"No queue, subscription or dead-letter queue '{entityPath}'.", nameof(entityPath))).Counts;

    /// <summary>Listens on <see cref="Port"/>. Everything stored before a <see cref="Stop"/> is still there.</summary>
    public ServiceBusTestBroker Start()
    {
        lock (_gate)
        {
            if (_host is not null)
                throw new InvalidOperationException("The broker is running already.");

            var run = new BrokerRun();
            var host = new ContainerHost(new Address($"amqp://127.0.0.1:{Port}"));
            var listener = host.Listeners[0];
            listener.SASL.EnableMechanism((Symbol)"MSSBCBS", SaslProfile.External); // the SDK's only mechanism: accept, then require $cbs tokens
            listener.SASL.EnableAnonymousMechanism = true; // plain AMQP clients, who put tokens the same way
            listener.HandlerFactory = _ => run.NewConnectionHandler();
            host.RegisterLinkProcessor(_links);
            _links.CurrentRun = run;
            host.Open();
            _host = host;
            _run = run;
            _sweep = _time.CreateTimer(_ => ExpireLocks(), null, SweepInterval, SweepInterval);
        }

        return this;
    }

    /// <summary>
    /// Stops listening and closes every connection, as a broker going down would; messages that were locked go back
    /// to their queues (a delivery counted), everything else stays stored for the next <see cref="Start"/>.
    /// </summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (_host is null)
                return;

            _sweep?.Dispose();
            _sweep = null;
            _run.Stop();
            _host.Close();
            _host = null;
        }

        foreach (var queue in _entities.AllSources())
            queue.ReleaseAllLocks();
    }

    public void Dispose() => Stop();

    private void ExpireLocks()
    {
        foreach (var queue in _entities.AllSources())
            queue.ExpireLocks();
    }

    /// <summary>A loopback port nothing listens on now (the runner's process takes it too).</summary>
    internal static int FreeLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

/// <summary>A declared topic, to add subscriptions to: <c>broker.AddTopic("campaign-events").AddSubscription("all")</c>.</summary>
public sealed class TopicDeclaration
{
    private readonly EntityRegistry _entities;
    private readonly TopicEntity _topic;

    internal TopicDeclaration(EntityRegistry entities, TopicEntity topic)
    {
        _entities = entities;
        _topic = topic;
    }

    public string Name => _topic.Path;

    /// <summary>Declares a subscription (<c>TOPIC/Subscriptions/NAME</c>, with its own dead-letter queue) that gets a copy of every message.</summary>
    public TopicDeclaration AddSubscription(string name, int maxDeliveryCount = 10, TimeSpan? lockDuration = null)
    {
        _entities.AddSubscription(_topic, name, QueueSettings.Create(maxDeliveryCount, lockDuration));
        return this;
    }
}
