namespace Campaigns.Testing.ServiceBus.Entities;

/// <summary>
/// What a queue or a subscription is declared with, the knobs of Service Bus that change what a receiver sees.
/// Defaults are Service Bus's own (max delivery count 10, lock duration 60 s); tests shorten the lock to see it expire.
/// </summary>
/// <param name="MaxDeliveryCount">Deliveries after which a message whose lock ends unsettled goes to the dead-letter queue.</param>
/// <param name="LockDuration">How long a peek-lock lasts unless renewed. Service Bus allows 5 s to 5 min; any positive value is taken here.</param>
public sealed record QueueSettings(int MaxDeliveryCount, TimeSpan LockDuration)
{
    /// <summary>Service Bus's defaults.</summary>
    public static QueueSettings Default { get; } = new(10, TimeSpan.FromSeconds(60));

    /// <summary>Checked settings from the optional arguments of <c>AddQueue</c> and <c>AddSubscription</c>.</summary>
    public static QueueSettings Create(int? maxDeliveryCount, TimeSpan? lockDuration)
    {
        var settings = new QueueSettings(maxDeliveryCount ?? Default.MaxDeliveryCount, lockDuration ?? Default.LockDuration);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxDeliveryCount, 1, nameof(maxDeliveryCount));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.LockDuration, TimeSpan.Zero, nameof(lockDuration));
        return settings;
    }
}
