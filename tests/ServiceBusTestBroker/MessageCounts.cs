namespace Campaigns.Testing.ServiceBus;

/// <summary>How many messages a queue, subscription or dead-letter queue holds, by state.</summary>
/// <param name="Active">Waiting to be received.</param>
/// <param name="Locked">Received in peek-lock mode and not yet settled.</param>
public readonly record struct MessageCounts(int Active, int Locked)
{
    /// <summary>Every message the entity still holds.</summary>
    public int Total => Active + Locked;
}
