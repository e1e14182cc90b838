#pragma once
// The T.38 gateway of one m= line (ng T.38=decode or force): one participant is a fax
// machine sending audio over RTP, the other a T.38 endpoint sending UDPTL. The audio side's
// RTP is decoded to 8 kHz PCM and fed to spandsp's gateway (codec/t38_gateway.hpp), whose
// IFP packets go to the T.38 side in UDPTL datagrams (lib/t38); the T.38 side's datagrams
// come back in sequence order as IFP packets, and the audio the gateway modulates from them
// goes to the fax machine every 20 ms, clocked by the worker's timer (fax modems need a
// continuous signal whether or not the machine sends).
//
// Both sides' streams run on one worker. Made on the control thread (codecs, spandsp and
// the UDPTL history allocate there); the sinks and the timer run on the worker and
// allocate nothing. stop() (worker) ends it for good: the streams may go after that.

#include <cstdint>
#include <memory>
#include <vector>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "codec/resampler.hpp"
#include "codec/t38_gateway.hpp"
#include "daemon/media/sink.hpp"
#include "daemon/media/worker_timers.hpp"
#include "t38/udptl_receiver.hpp"
#include "t38/udptl_sender.hpp"

namespace rtpe::media {

class PacketStream;

class T38Bridge final : public Timer,
                        private codec::T38Gateway::Listener,
                        private codec::PacketSink,
                        private t38::UdptlReceiver::Listener {
public:
    struct Settings {
        codec::T38GatewayOptions gateway;
        // The fax machine's codec, both ways, to and from the gateway's 8 kHz mono PCM.
        std::unique_ptr<codec::Decoder> decoder;
        std::unique_ptr<codec::Resampler> to_gateway;  // null when the decoder gives 8 kHz mono
        std::unique_ptr<codec::Encoder> encoder;
        std::unique_ptr<codec::Resampler> from_gateway;  // null when the encoder takes 8 kHz mono
        uint8_t payload_type = 0;
        uint32_t ssrc = 0;  // of the RTP we send the fax machine
        uint16_t first_sequence = 0;
        uint32_t first_timestamp = 0;
        // What the T.38 side's SDP settled: UDPTL error recovery, the largest datagram it
        // takes, and what we keep of its IFPs.
        t38::UdptlSender::Config udptl_out;
        t38::UdptlReceiver::Config udptl_in;
        std::size_t max_datagram = 512;
    };

    // audio: the stream facing the fax machine; fax: the stream facing the T.38 endpoint.
    // Null (status set) when spandsp refuses the options.
    static std::unique_ptr<T38Bridge> create(Settings settings, PacketStream& audio, PacketStream& fax,
                                             codec::Status& status);
    ~T38Bridge() override;

    // Stand in for the forwarders of the two streams (their sinks).
    Sink& audio_sink() { return audio_sink_; }
    Sink& udptl_sink() { return udptl_sink_; }

    // Worker.
    void start();
    void stop();
    void on_timer(int64_t now_ms) override;

private:
    struct AudioIn final : Sink {
        explicit AudioIn(T38Bridge& b) : bridge(b) {}
        void consume(const Packet& packet, Egress& egress) override { bridge.on_audio(packet, egress); }
        T38Bridge& bridge;
    };
    struct UdptlIn final : Sink {
        explicit UdptlIn(T38Bridge& b) : bridge(b) {}
        void consume(const Packet& packet, Egress& egress) override { bridge.on_udptl(packet, egress); }
        T38Bridge& bridge;
    };

    T38Bridge(Settings settings, PacketStream& audio, PacketStream& fax);
    void on_audio(const Packet& packet, Egress& egress);
    void on_udptl(const Packet& packet, Egress& egress);
    void on_t38_ifp(std::span<const uint8_t> ifp, int repeats) override;
    void on_payload(std::span<const uint8_t> payload, uint32_t rtp_duration) override;
    void on_ifp(uint16_t seq, t38::Bytes ifp, t38::UdptlReceiver::Source source) override;
    void on_ifp_lost(uint16_t first_seq, uint16_t count) override;

    Settings s_;
    PacketStream& audio_;
    PacketStream& fax_;
    std::unique_ptr<codec::T38Gateway> gateway_;
    t38::UdptlSender udptl_sender_;
    t38::UdptlReceiver udptl_receiver_;
    AudioIn audio_sink_{*this};
    UdptlIn udptl_sink_{*this};
    std::vector<int16_t> decoded_, resampled_, tick_pcm_;
    Egress* egress_ = nullptr;  // where what the gateway produces goes, during a call into it
    bool stopped_ = false;
    int64_t started_ms_ = 0;
    uint64_t ticks_ = 0;
    int64_t last_audio_ms_ = 0;
    uint16_t sequence_;
    uint32_t timestamp_;
    bool marker_ = true;
    bool reported_audio_error_ = false;
    bool reported_udptl_error_ = false;
};

}  // namespace rtpe::media
