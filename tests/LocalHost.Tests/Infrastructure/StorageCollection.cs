using Campaigns.Functions.Tests.Infrastructure;

// Every scenario here starts a real worker process; on two cores they are faster one at a time than together.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Campaigns.LocalHost.Tests.Infrastructure;

/// <summary>One Azurite for all LocalHost tests; each test isolates itself by names (queues, containers, host id).</summary>
public sealed class StorageFixture : IAsyncLifetime
{
    private Azurite? _azurite;

    public string ConnectionString => _azurite!.ConnectionString;

    public async Task InitializeAsync() => _azurite = await Azurite.StartAsync();

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
            await _azurite.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class StorageCollection : ICollectionFixture<StorageFixture>
{
    public const string Name = "storage";
}
