from django.apps import AppConfig


class ConnectConfig(AppConfig):
    name = "kith.connect"
    label = "connect"
    verbose_name = "Connect"

    def ready(self) -> None:
        from kith.core.sensitive import register_personal_path

        # Who I was matched with, and whom I asked never to be paired with.
        register_personal_path("/connect/matches/")
        register_personal_path("/connect/do-not-pair/")
        register_personal_path("/api/v1/connect/matches")

        from kith.connect.selectors import my_connect_data
        from kith.core import registry

        registry.register_export_section(
            app_label=self.label, key="connect", build=registry.of_person(my_connect_data)
        )

        from kith.connect import chat
        from kith.notify import channels

        channels.register_group_renderer("connect.match", chat.render_group)
        channels.register_action(chat.FOLLOW_UP, chat.answer_follow_up)
        channels.register_action(chat.PAUSE, chat.pause_me)
