using System.Security.Cryptography;
using System.Text;
using Campaigns.Domain.Webhooks;
using NodaTime;

namespace Campaigns.Domain.Tests.Webhooks;

public sealed class WebhookSignatureTests
{
    private const string Secret = "whsec_test_secret_0123456789";
    private static readonly Instant SentAt = Instant.FromUtc(2026, 1, 1, 0, 0); // 1767225600
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":"evt_1","type":"call.completed"}""");

    [Fact]
    public void Sign_KnownVector_MatchesOpenSsl()
    {
        // printf '%s' '1767225600.{"id":"evt_1","type":"call.completed"}' | openssl dgst -sha256 -hmac 'whsec_test_secret_0123456789'
        Assert.Equal("t=1767225600,v1=34ef4093fbdc0eb841b77650cc5e28973704605d40671eb10c9f35940b65feea", WebhookSignature.Sign(Secret, SentAt, Body));
    }

    [Fact]
    public void Sign_AnyInput_IsHmacSha256OfTimestampDotBodyInLowercaseHex()
    {
        var body = Encoding.UTF8.GetBytes("{\"name\":\"Zoë 🚀\"}");
        var at = Instant.FromUnixTimeSeconds(1_800_000_123);
        var expected = Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes("s3cr3t-with-ünïcode"), Encoding.UTF8.GetBytes("1800000123.").Concat(body).ToArray())).ToLowerInvariant();

        Assert.Equal($"t=1800000123,v1={expected}", WebhookSignature.Sign("s3cr3t-with-ünïcode", at, body));
    }

    [Fact]
    public void Sign_SubSecondTimestamp_UsesWholeSeconds() =>
        Assert.StartsWith("t=1767225600,", WebhookSignature.Sign(Secret, SentAt + Duration.FromMilliseconds(999), Body));

    [Fact]
    public void Verify_OwnSignature_IsAccepted() =>
        Assert.True(WebhookSignature.Verify(Secret, WebhookSignature.Sign(Secret, SentAt, Body), Body, SentAt + Duration.FromSeconds(3)));

    [Fact]
    public void Verify_TamperedBody_IsRefused()
    {
        var header = WebhookSignature.Sign(Secret, SentAt, Body);
        var tampered = Body.ToArray();
        tampered[^2] ^= 0x01;
        Assert.False(WebhookSignature.Verify(Secret, header, tampered, SentAt));
    }

    [Fact]
    public void Verify_OtherSecret_IsRefused() =>
        Assert.False(WebhookSignature.Verify("whsec_another_secret_xyz", WebhookSignature.Sign(Secret, SentAt, Body), Body, SentAt));

    [Fact]
    public void Verify_TimestampChangedAfterSigning_IsRefused()
    {
        var header = WebhookSignature.Sign(Secret, SentAt, Body).Replace("t=1767225600", "t=1767225601");
        Assert.False(WebhookSignature.Verify(Secret, header, Body, SentAt));
    }

    [Theory]
    [InlineData(300, true)]   // exactly the tolerance: still fresh
    [InlineData(301, false)]  // older than 5 minutes: a replay
    [InlineData(-300, true)]  // the sender's clock a little ahead
    [InlineData(-301, false)]
    public void Verify_TimestampAge_IsCheckedAgainstTheTolerance(int ageSeconds, bool accepted) =>
        Assert.Equal(accepted, WebhookSignature.Verify(Secret, WebhookSignature.Sign(Secret, SentAt, Body), Body, SentAt + Duration.FromSeconds(ageSeconds)));

    [Fact]
    public void Verify_CustomTolerance_IsUsed()
    {
        var header = WebhookSignature.Sign(Secret, SentAt, Body);
        Assert.False(WebhookSignature.Verify(Secret, header, Body, SentAt + Duration.FromSeconds(61), Duration.FromMinutes(1)));
        Assert.True(WebhookSignature.Verify(Secret, header, Body, SentAt + Duration.FromHours(1), Duration.FromHours(2)));
    }

    [Fact]
    public void Verify_SeveralV1Entries_AcceptsWhenAnyMatches()
    {
        var mine = WebhookSignature.Sign(Secret, SentAt, Body).Split(",v1=")[1];
        var other = WebhookSignature.Sign("whsec_the_old_secret_000", SentAt, Body).Split(",v1=")[1];
        Assert.True(WebhookSignature.Verify(Secret, $"t=1767225600,v1={other},v1={mine}", Body, SentAt));
        Assert.True(WebhookSignature.Verify(Secret, $"t=1767225600, v1={mine}, v2=future-scheme", Body, SentAt));
        Assert.False(WebhookSignature.Verify(Secret, $"t=1767225600,v1={other}", Body, SentAt));
    }

    [Fact]
    public void Verify_UppercaseHex_IsAccepted()
    {
        var header = WebhookSignature.Sign(Secret, SentAt, Body);
        var upper = "t=1767225600,v1=" + header.Split(",v1=")[1].ToUpperInvariant();
        Assert.True(WebhookSignature.Verify(Secret, upper, Body, SentAt));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("v1=34ef4093fbdc0eb841b77650cc5e28973704605d40671eb10c9f35940b65feea")]
    [InlineData("t=1767225600")]
    [InlineData("t=1767225600,v1=34ef")]
    [InlineData("t=1767225600,v1=zzef4093fbdc0eb841b77650cc5e28973704605d40671eb10c9f35940b65feea")]
    [InlineData("t=abc,v1=34ef4093fbdc0eb841b77650cc5e28973704605d40671eb10c9f35940b65feea")]
    [InlineData("t=-1767225600,v1=34ef4093fbdc0eb841b77650cc5e28973704605d40671eb10c9f35940b65feea")]
    [InlineData("t=99999999999999999,v1=34ef4093fbdc0eb841b77650cc5e28973704605d40671eb10c9f35940b65feea")]
    [InlineData("t=1767225600,t=1767225600,v1=34ef4093fbdc0eb841b77650cc5e28973704605d40671eb10c9f35940b65feea")]
    public void Verify_MalformedHeader_IsRefused(string? header) =>
        Assert.False(WebhookSignature.Verify(Secret, header, Body, SentAt));

    [Fact]
    public void Verify_KnownVectorHeader_IsAccepted() =>
        Assert.True(WebhookSignature.Verify(Secret, "t=1767225600,v1=34ef4093fbdc0eb841b77650cc5e28973704605d40671eb10c9f35940b65feea", Body, SentAt));
}
