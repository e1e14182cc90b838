// CallService's media commands: block DTMF, block media, silence media and their
// reverses, start/stop forwarding. The settings live in the call model (call-wide, per
// participant, per flow); each stream's worker gets the filter they add up to for its
// flow (media::MediaFilter), and filtered streams stay out of the kernel.

#include <algorithm>
#include <map>

#include "daemon/call/call_service.hpp"
#include "daemon/call/locked_call.hpp"
#include "daemon/call/transcoding.hpp"
#include "codec/audio_file.hpp"
#include "util/log.hpp"
#include "util/parse.hpp"
#include "util/random.hpp"

namespace rtpe::call {

namespace {

bool& flag_of(MediaBlocks& blocks, CallService::MediaBlock what) {
    switch (what) {
    case CallService::MediaBlock::dtmf:
        return blocks.dtmf;
    case CallService::MediaBlock::media:
        return blocks.media;
    case CallService::MediaBlock::silence:
        break;
    }
    return blocks.silence;
}

// Sets what a block or unblock command asks of blocks. block DTMF takes its mode, triggers
// and delay along; its mode off without triggers or delay ends the block, as documented
// (10.5 drops DTMF then).
void set_block(MediaBlocks& blocks, CallService::MediaBlock what, bool on, const media::DtmfSecurity& security) {
    if (what == CallService::MediaBlock::dtmf && on) {
        blocks.dtmf = security.mode != media::DtmfMode::off || security.in_chain();
        blocks.dtmf_security = security;
        return;
    }
    flag_of(blocks, what) = on;
}

// block DTMF's mode for what from sends: its own block, else the call's.
media::DtmfSecurity dtmf_security_of(const Call& call, const Participant& from) {
    if (from.blocks.dtmf)
        return from.blocks.dtmf_security;
    return call.blocks.dtmf ? call.blocks.dtmf_security : media::DtmfSecurity{};
}

// m's codecs once offer and answer agree, as the codec chain takes them; as a sender's,
// also the telephone-event its own SDP has where the answer left it out (it may still
// send events, which the chain then plays as audio).
std::vector<SdpCodec> negotiated_codecs(const MediaSide& m, bool as_sender) {
    std::vector<std::string> formats = m.negotiated;
    if (as_sender)
        for (const auto& [type, name] : m.codec_names)
            if (equals_ignoring_case(split(name, '/').front(), "telephone-event"))
                formats.push_back(std::to_string(type));
    std::vector<SdpCodec> out;
    for (const auto& format : formats) {
        const auto pt = parse_int(format);
        if (!pt || *pt < 0 || *pt > 127 || has_payload_type(out, format))
            continue;
        const auto encoding = encoding_name(m, static_cast<uint8_t>(*pt));
        if (!encoding)
            continue;
        const auto parts = split(*encoding, '/');
        SdpCodec c;
        c.payload_type = format;
        c.name = std::string(parts[0]);
        c.clock_rate = parts.size() > 1 ? static_cast<int>(parse_int(parts[1]).value_or(0)) : 0;
        c.channels = parts.size() > 2 ? static_cast<int>(parse_int(parts[2]).value_or(1)) : 1;
        out.push_back(std::move(c));
    }
    return out;
}

// The participants a request names by from-tag, label or SDP media address (upstream's
// order of precedence and refusals); empty when it names none, i.e. the whole call.
std::vector<Participant*> selected_participants(Call& call, const CallRequest& request) {
    std::vector<Participant*> out;
    if (!request.from_tag.empty()) {
        Participant* p = call.find(request.from_tag);
        if (!p)
            throw CallError("From-tag given, but no such tag exists");
        out.push_back(p);
    } else if (!request.label.empty()) {
        for (auto& p : call.participants())
            if (p->label == request.label)
                out.push_back(p.get());
        if (out.empty())
            throw CallError("No monologue matching the given label");
    } else if (!request.address.empty()) {
        const auto address = net::IpAddress::parse(request.address);
        for (auto& p : call.participants())
            if (address && std::any_of(p->medias.begin(), p->medias.end(),
                                       [&](const auto& m) { return m->sdp_rtp.ip() == *address; }))
                out.push_back(p.get());
        if (out.empty())
            throw CallError("Failed to match address to any tag");
    }
    return out;
}

// The receiver a request names for one flow (to-tag, else to-label), when the call has it.
const Participant* selected_receiver(Call& call, const CallRequest& request) {
    if (!request.to_tag.empty())
        return call.find(request.to_tag);
    if (!request.to_label.empty())
        for (auto& p : call.participants())
            if (p->label == request.to_label)
                return p.get();
    return nullptr;
}

// The receivers of from's media the all key's flow forms name.
std::vector<const Participant*> flow_receivers(const Participant& from, FlowSelection flows) {
    std::vector<const Participant*> out;
    if (from.peer && flows != FlowSelection::except_offer_answer)
        out.push_back(from.peer);
    if (flows != FlowSelection::offer_answer)
        out.insert(out.end(), from.subscribers.begin(), from.subscribers.end());
    return out;
}

// The participants play media and stop media act on: the selected ones, else with all
// everyone who has sent an SDP.
std::vector<Participant*> media_receivers(Call& call, const CallRequest& request) {
    std::vector<Participant*> out = selected_participants(call, request);
    if (out.empty() && request.all)
        for (auto& p : call.participants())
            if (p->sdp_seen)
                out.push_back(p.get());
    if (out.empty())
        throw CallError("No participant party specified");
    return out;
}

// The encoder play media uses towards m's participant, at 20 ms: for the first of its SDP's
// codecs among the negotiated formats this build encodes (else the first of its SDP's at
// all: a transcoded participant's negotiated formats are its peer's), made as that SDP
// describes it (AMR framing and mode-set, Opus stereo, ...), as the transcoding chain's.
std::unique_ptr<codec::Encoder> playback_encoder(const MediaSide& m, uint8_t& payload_type) {
    std::vector<const SdpCodec*> candidates;
    for (const auto& format : m.negotiated)
        for (const auto& c : m.codecs)
            if (c.payload_type == format)
                candidates.push_back(&c);
    for (const auto& c : m.codecs)
        candidates.push_back(&c);
    for (const SdpCodec* c : candidates) {
        codec::CodecParams params = codec_params(*c);
        const auto pt = c->type_number();
        if (!params.def || !pt)
            continue;
        params.ptime = 20;
        codec::Status status = codec::Status::ok;
        if (auto encoder = codec::make_encoder(params, status)) {
            payload_type = *pt;
            return encoder;
        }
    }
    return nullptr;
}

}  // namespace

media::MediaFilter CallService::media_filter(const Call& call, const Participant& from, const MediaSide& m,
                                             const std::string& to) const {
    MediaBlocks blocks = from.blocks;
    if (auto it = from.flow_blocks.find(to); it != from.flow_blocks.end()) {
        blocks.media = blocks.media || it->second.media;
        blocks.silence = blocks.silence || it->second.silence;
    }
    media::MediaFilter filter;
    // block DTMF's in-chain modes work in from's chain towards its peer; without that chain,
    // and in the copies subscribers get (no chain sees them), DTMF is dropped instead.
    const media::DtmfSecurity security = dtmf_security_of(call, from);
    const bool in_chain = security.in_chain() && m.transcoding && from.peer && to == from.peer->tag;
    filter.block_dtmf = security.mode != media::DtmfMode::off && !in_chain;
    filter.block_media = call.blocks.media || blocks.media;
    filter.silence_media = call.blocks.silence || blocks.silence;
    if (!filter.active())
        return filter;
    // What the participant sends: its SDP's payload types (and what it negotiated).
    std::vector<uint8_t> types;
    for (const auto& [type, name] : m.codec_names)
        types.push_back(type);
    for (const auto& format : m.negotiated)
        if (auto pt = parse_int(format); pt && *pt >= 0 && *pt < 128)
            types.push_back(static_cast<uint8_t>(*pt));
    for (uint8_t type : types) {
        const auto encoding = encoding_name(m, type);
        if (!encoding)
            continue;
        if (equals_ignoring_case(split(*encoding, '/').front(), "telephone-event"))
            filter.set_dtmf_type(type);
        else if (auto silence = media::silence_byte_of(*encoding))
            filter.set_silence_byte(type, *silence);
    }
    return filter;
}

void CallService::sync_dtmf_chains(MediaChanges& changes, Call& call) {
    for (const auto& p : call.participants()) {
        media::DtmfSecurity security = dtmf_security_of(call, *p);
        security.triggers.digit_delay_ms = settings_.chain.dtmf_digit_delay_ms;
        for (std::size_t i = 0; i < p->medias.size(); ++i) {
            MediaSide& m = *p->medias[i];
            if (!m.rtp || m.type != "audio" || m.t38_gateway)
                continue;
            const bool ours = m.transcoding && m.dtmf_chain && m.transcoders.back().get() == m.dtmf_chain;
            if (security.in_chain() && !m.transcoding && p->peer && i < p->peer->medias.size()) {
                auto chain = same_codec_chain(negotiated_codecs(m, true), negotiated_codecs(*p->peer->medias[i], false));
                if (chain) {
                    engage_clock(*chain, settings_.chain, {}, {}, 0);
                    m.dtmf_chain = install_chain(changes, m, std::move(chain));
                }
            } else if (!security.in_chain() && ours) {
                install_chain(changes, m, std::nullopt);  // back to plain forwarding
                m.dtmf_chain = nullptr;
            }
            if (!m.transcoding) {
                m.dtmf_told = nullptr;
                continue;
            }
            media::Transcoder* chain = m.transcoders.back().get();
            if (m.dtmf_told == chain && m.dtmf_told_security == security)
                continue;
            m.dtmf_told = chain;
            m.dtmf_told_security = security;
            changes.update(m, [chain, security] { chain->set_dtmf_security(security); });
        }
    }
}

void CallService::sync_media_filters(MediaChanges& changes, Call& call) {
    sync_dtmf_chains(changes, call);
    for (const auto& p : call.participants()) {
        const std::string to = p->peer ? p->peer->tag : std::string();
        for (const auto& m : p->medias) {
            if (!m->rtp)
                continue;
            media::MediaFilter filter = media_filter(call, *p, *m, to);
            if (!filter.active() && !m->filtered)
                continue;
            m->filtered = filter.active();
            media::PacketStream* rtp = m->rtp.get();
            changes.update(*m, [rtp, filter] { rtp->forwarder.filter = filter; });
        }
        if (!p->subscribers.empty())
            refresh_fan_out(changes, call, *p);
    }
}

void CallService::set_media_block(const CallRequest& request, MediaBlock what, bool on) {
    LockedCall call(registry_, request);
    std::vector<Participant*> senders = selected_participants(*call, request);
    // DTMF is blocked per participant; media may be blocked towards one receiver.
    const Participant* receiver = what == MediaBlock::dtmf ? nullptr : selected_receiver(*call, request);
    const bool per_flow = what != MediaBlock::dtmf && (receiver || request.flows != FlowSelection::none);
    if (senders.empty() && !per_flow) {
        set_block(call->blocks, what, on, request.dtmf_security);
        // Unblocking the call leaves participants' own blocks, unless all says otherwise.
        if (!on && request.all)
            for (auto& p : call->participants()) {
                flag_of(p->blocks, what) = false;
                for (auto& [tag, blocks] : p->flow_blocks)
                    flag_of(blocks, what) = false;
            }
    } else {
        if (senders.empty())  // a receiver alone: the flows of everyone towards it
            for (auto& p : call->participants())
                if (p.get() != receiver)
                    senders.push_back(p.get());
        for (Participant* sender : senders) {
            if (receiver) {
                flag_of(sender->flow_blocks[receiver->tag], what) = on;
            } else if (per_flow) {
                for (const Participant* to : flow_receivers(*sender, request.flows))
                    flag_of(sender->flow_blocks[to->tag], what) = on;
            } else {
                set_block(sender->blocks, what, on, request.dtmf_security);
                if (!on)
                    for (auto& [tag, blocks] : sender->flow_blocks)
                        flag_of(blocks, what) = false;
            }
        }
    }
    MediaChanges changes(workers_, graves_, offload_.get());
    sync_media_filters(changes, *call);
    if (offload_)
        sync_kernel(changes, *call);
}

void CallService::play_dtmf(const CallRequest& request, const media::DtmfInjector::Digit& digit) {
    LockedCall call(registry_, request);
    std::vector<Participant*> players = selected_participants(*call, request);
    if (players.empty() && request.all)
        for (auto& p : call->participants())
            players.push_back(p.get());
    if (players.empty())
        throw CallError("No participant party specified");
    MediaChanges changes(workers_, graves_, offload_.get());
    bool queued = false;
    for (Participant* p : players)
        for (auto& m : p->medias) {
            if (!m->transcoding || m->transcoders.empty() || !m->transcoders.back()->injects_dtmf())
                continue;
            media::Transcoder* chain = m->transcoders.back().get();
            changes.update(*m, [chain, digit] {
                if (!chain->queue_dtmf(digit))
                    RTPE_LOG(transcoding, log::kWarning, "Too many DTMF digits queued: one dropped");
            });
            queued = true;
        }
    if (!queued)
        throw CallError("Call is not set up for DTMF injection (inject DTMF)");
}

int64_t CallService::play_media(const CallRequest& request) {
    LockedCall call(registry_, request);
    const std::vector<Participant*> receivers = media_receivers(*call, request);
    const char* source = request.media_file ? "file" : request.media_blob ? "blob" : request.media_db_id ? "database"
                                                                                                          : nullptr;
    if (!source)
        throw CallError("No media file specified");
    const std::string failure = std::string("Failed to start media playback from ") + source;
    // A database row is fetched once, then played like a blob.
    std::vector<uint8_t> row;
    if (!request.media_file && !request.media_blob) {
        std::string error;
        if (*request.media_db_id < 0 ||
            !db::fetch_media(settings_.media_database, static_cast<uint64_t>(*request.media_db_id), row, error)) {
            RTPE_LOG(core, log::kWarning, "%s: %s", failure.c_str(), error.c_str());
            throw CallError(failure);
        }
    }
    const std::span<const uint8_t> blob =
        request.media_blob ? std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(request.media_blob->data()),
                                                      request.media_blob->size())
                           : std::span<const uint8_t>(row);
    MediaChanges changes(workers_, graves_, offload_.get());
    std::map<int, std::shared_ptr<const std::vector<int16_t>>> decoded;  // by sample rate
    int64_t duration = -1;
    for (Participant* p : receivers)
        for (auto& m : p->medias) {
            if (!m->rtp || m->type != "audio")
                continue;
            uint8_t payload_type = 0;
            auto encoder = playback_encoder(*m, payload_type);
            if (!encoder)
                continue;
            const int rate = encoder->input_format().rate;
            auto& pcm = decoded[rate];
            if (!pcm) {  // each rate decoded once per command, whoever hears it
                auto samples = std::make_shared<std::vector<int16_t>>();
                const codec::AudioFileResult result =
                    request.media_file ? codec::decode_audio_file(*request.media_file, rate, *samples)
                                       : codec::decode_audio_blob(blob, rate, *samples);
                if (result.status != codec::Status::ok) {
                    RTPE_LOG(core, log::kWarning, "%s: %s", failure.c_str(), result.error.c_str());
                    throw CallError(failure);
                }
                pcm = std::move(samples);
            }
            duration = static_cast<int64_t>(pcm->size()) * 1000 / rate;
            media::MediaPlayer::Settings settings;
            settings.pcm = pcm;
            settings.encoder = std::move(encoder);
            settings.payload_type = payload_type;
            settings.ssrc = static_cast<uint32_t>(random_u64());
            settings.first_sequence = static_cast<uint16_t>(random_u64());
            settings.first_timestamp = static_cast<uint32_t>(random_u64());
            settings.repeat_times = request.repeat_times;
            settings.start_packet = static_cast<std::size_t>(request.start_position);
            m->players.push_back(std::make_unique<media::MediaPlayer>(std::move(settings), *m->rtp));
            media::MediaPlayer* player = m->players.back().get();
            changes.now_on_worker(*m, [player] { player->start(); });
        }
    if (duration < 0) {
        RTPE_LOG(core, log::kWarning, "%s: no audio media with a codec to play it in", failure.c_str());
        throw CallError(failure);
    }
    return duration;
}

uint64_t CallService::stop_media(const CallRequest& request) {
    LockedCall call(registry_, request);
    MediaChanges changes(workers_, graves_, offload_.get());
    bool playing = false;
    uint64_t played = 0;
    for (Participant* p : media_receivers(*call, request))
        for (auto& m : p->medias)
            if (!m->players.empty() && !m->players.back()->done()) {
                media::MediaPlayer* player = m->players.back().get();
                played = std::max(played, player->packets_sent());
                changes.now_on_worker(*m, [player] { player->stop(); });
                playing = true;
            }
    if (!playing)
        throw CallError("Not currently playing media");
    return played;
}

void CallService::check_media_selection(const CallRequest& request) {
    LockedCall call(registry_, request);
    selected_participants(*call, request);
}

}  // namespace rtpe::call
